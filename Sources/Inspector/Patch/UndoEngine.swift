import LinuxAIO

/// One record of a journal as undo sees it.
public struct UndoStep: Equatable, Sendable {
    public enum Action: String, Sendable {
        /// The block holds (some of) the patch's bytes: write the original back.
        case restore
        /// The block already holds its original bytes (never written, or undone).
        case alreadyRestored = "already restored"
    }

    public enum State: String, Sendable { case planned, verified, failed, skipped }

    public var sequence: UInt32
    public var offset: Int64
    public var length: Int
    public var action: Action
    public var state: State = .planned
    public var latencyMicroseconds: Double?
    public var note: String?
}

/// Restores a target from its undo journal, newest record first, verifying
/// each block by read-back. Idempotent: a block that already holds its
/// original bytes is left alone.
public enum UndoEngine {
    /// Reads `length` bytes at `offset` from the target.
    public typealias Reader = (_ offset: Int64, _ length: Int) async throws -> [UInt8]

    /// Checks, reading only, that `journal` belongs to the target and says
    /// what undo would do (newest record first).
    ///
    /// Refuses when the size differs, when the first block (with the
    /// journal's originals put back) does not hash to the header's SHA-256,
    /// or when any 512-byte piece of a journaled block holds neither its
    /// original nor its patched bytes (another disk, or changed since).
    ///
    /// - Parameter acceptTorn: restore such pieces anyway when they look like
    ///   one torn write (a power loss during one block's write can leave a
    ///   piece that is neither): all inside one record and one aligned 4 KiB
    ///   span, with at least one other journaled piece holding its original
    ///   or patched bytes. Anything else (another disk) is still refused. The
    ///   steps covering them say so in `note`.
    public static func plan(_ journal: ParsedJournal, targetPath: String, size: Int64, acceptTorn: Bool = false,
                            read: Reader) async throws -> [UndoStep] {
        let h = journal.header
        guard size == h.size else {
            throw PatchError("refusing to undo: the journal is for \(h.path) of \(h.size) bytes, but \(targetPath) has \(size) bytes — wrong target")
        }
        let piece = 512
        // Per 512-byte piece: its value before the journal's first write
        // (what undo restores) and every value the journal wrote to it. A
        // target that is this journal's holds one of them in each piece
        // (a crash or an interrupted undo leaves any of them).
        var first: [Int64: [UInt8]] = [:]
        var written: [Int64: [[UInt8]]] = [:]
        for rec in journal.records {
            guard rec.offset >= 0, rec.offset % Int64(piece) == 0, rec.length % piece == 0,
                  rec.offset + Int64(rec.length) <= size else {
                throw PatchError("refusing to undo: record \(rec.sequence) (0x\(String(rec.offset, radix: 16)), \(rec.length) B) does not fit \(targetPath)")
            }
            for k in 0..<(rec.length / piece) {
                let at = rec.offset + Int64(k * piece)
                if first[at] == nil { first[at] = Array(rec.original[(k * piece)..<((k + 1) * piece)]) }
                written[at, default: []].append(Array(rec.patched[(k * piece)..<((k + 1) * piece)]))
            }
        }
        var current: [Int64: [UInt8]] = [:]
        var mismatch: String?
        var torn = Set<Int64>()
        var matching = 0
        for rec in journal.records where (0..<(rec.length / piece)).contains(where: { current[rec.offset + Int64($0 * piece)] == nil }) {
            let now = try await read(rec.offset, rec.length)
            for k in 0..<(rec.length / piece) {
                let at = rec.offset + Int64(k * piece)
                guard current[at] == nil else { continue }
                let cur = Array(now[(k * piece)..<((k + 1) * piece)])
                current[at] = cur
                if cur != first[at], !(written[at]?.contains(cur) ?? false) {
                    torn.insert(at)
                    if mismatch == nil { mismatch = "0x\(String(at, radix: 16))" }
                } else {
                    matching += 1
                }
            }
        }
        // One torn write: one record, one physical sector, the rest intact.
        let oneTornWrite = !torn.isEmpty && matching > 0 && Set(torn.map { $0 / 4096 }).count == 1
            && journal.records.contains { rec in torn.allSatisfy { rec.offset <= $0 && $0 < rec.offset + Int64(rec.length) } }
        // Newest first: a record is written back when a piece it covers does
        // not hold its first value yet; writing it may uncover an older
        // record's bytes, which that record then puts back in turn.
        var steps: [UndoStep] = []
        for rec in journal.records.reversed() {
            let pieces = (0..<(rec.length / piece)).map { rec.offset + Int64($0 * piece) }
            let restore = pieces.contains { current[$0] != first[$0] }
            if restore {
                for (k, at) in pieces.enumerated() { current[at] = Array(rec.original[(k * piece)..<((k + 1) * piece)]) }
            }
            var step = UndoStep(sequence: rec.sequence, offset: rec.offset, length: rec.length,
                                action: restore ? .restore : .alreadyRestored)
            let foreign = pieces.filter { torn.contains($0) }
            if !foreign.isEmpty {
                step.note = "\(foreign.count) piece(s) from 0x\(String(foreign[0], radix: 16)) held neither version (torn write?)"
            }
            steps.append(step)
        }
        // Identity: the first block as it was before the journal's writes.
        if h.identityLength > 0 {
            let firstValues = first
            var identity = try await read(0, h.identityLength)
            for k in 0..<(h.identityLength / piece) {
                if let v = firstValues[Int64(k * piece)] { identity.replaceSubrange((k * piece)..<((k + 1) * piece), with: v) }
            }
            guard SHA256Digest.hash(identity) == h.identityDigest else {
                throw PatchError("refusing to undo: the first \(h.identityLength) bytes of \(targetPath) do not match the journal's target \(h.path) (SHA-256 differs) — wrong disk or image")
            }
        }
        if let mismatch, !(acceptTorn && oneTornWrite) {
            var why = "refusing to undo: \(targetPath) at \(mismatch) holds neither the journal's original nor its patched bytes"
            why += oneTornWrite
                ? " — a power loss may have torn that write (\(torn.count) piece(s) of 512 B in one block); --accept-torn restores the original anyway"
                : " (\(torn.count) piece(s) of 512 B) — the journal is not for this target, or the target changed since"
            throw PatchError(why)
        }
        return steps
    }

    /// Carries out `steps` (from `plan`) on the target: writes each original
    /// back with `sync`, reads it back, compares. Stops at the first failure.
    public static func run(_ steps: [UndoStep], journal: ParsedJournal, target: any PatchTarget, sync: SyncLevel,
                           progress: @Sendable (UndoStep) -> Void = { _ in }) async -> [UndoStep] {
        let bySequence = Dictionary(uniqueKeysWithValues: journal.records.map { ($0.sequence, $0) })
        var out = steps
        var failed = false
        for i in out.indices {
            defer { progress(out[i]) }
            guard !failed else { out[i].state = .skipped; continue }
            guard out[i].action == .restore, let rec = bySequence[out[i].sequence] else {
                out[i].state = .verified
                continue
            }
            do {
                out[i].latencyMicroseconds = try await target.writeAll(rec.original, at: rec.offset, sync: sync)
                let back = try await target.readExactly(at: rec.offset, length: rec.length)
                if back == rec.original {
                    out[i].state = .verified
                } else {
                    out[i].state = .failed
                    out[i].note = "read-back differs from the original bytes"
                    failed = true
                }
            } catch {
                out[i].state = .failed
                out[i].note = "\(error)"
                failed = true
            }
        }
        return out
    }
}
