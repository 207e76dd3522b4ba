import DiskFormats
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
    ///   or patched bytes, each byte of them old or new in one run of each.
    ///   Anything else (another disk, foreign bytes) is still refused. The
    ///   steps covering them say so in `note`.
    ///
    /// A journal with a damaged last record must go through `settle` first;
    /// every record's offset and length are checked against `size` without
    /// overflow before anything is read.
    public static func plan(_ journal: ParsedJournal, targetPath: String, size: Int64, acceptTorn: Bool = false,
                            read: Reader) async throws -> [UndoStep] {
        let h = journal.header
        guard size == h.size else {
            throw PatchError("refusing to undo: the journal is for \(h.path.terminalSafe) of \(h.size) bytes, but \(targetPath.terminalSafe) has \(size) bytes — wrong target")
        }
        let piece = 512
        // Per 512-byte piece: its value before the journal's first write
        // (what undo restores) and every value the journal wrote to it. A
        // target that is this journal's holds one of them in each piece
        // (a crash or an interrupted undo leaves any of them).
        var first: [Int64: [UInt8]] = [:]
        var written: [Int64: [[UInt8]]] = [:]
        guard journal.damagedTail == nil else {
            throw PatchError("refusing to undo: the journal's damaged last record has not been judged against \(targetPath.terminalSafe) (UndoEngine.settle)")
        }
        // Journal values are hostile: every sum below is checked here first.
        guard h.identityLength >= 0, h.identityLength % piece == 0, Int64(h.identityLength) <= size,
              h.identityLength <= 1 << 20 else {
            throw PatchError("refusing to undo: the journal's header gives an identity length of \(h.identityLength) bytes, which does not fit \(targetPath.terminalSafe) (a damaged or forged journal)")
        }
        for rec in journal.records {
            guard Self.fits(offset: rec.offset, length: rec.length, size: size) else {
                throw PatchError("refusing to undo: record \(rec.sequence) (0x\(String(rec.offset, radix: 16)), \(rec.length) B) does not fit \(targetPath.terminalSafe) of \(size) bytes (a damaged or forged journal)")
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
        // Whether every foreign piece has the shape of a torn write: each byte
        // its original or one value the journal wrote there, in one run of
        // each (old then new, or new then old). A byte that is neither is
        // foreign: no torn write explains it.
        var tornShape = true
        for rec in journal.records where (0..<(rec.length / piece)).contains(where: { current[rec.offset + Int64($0 * piece)] == nil }) {
            let now = try await read(rec.offset, rec.length)
            for k in 0..<(rec.length / piece) {
                let at = rec.offset + Int64(k * piece)
                guard current[at] == nil else { continue }
                let cur = Array(now[(k * piece)..<((k + 1) * piece)])
                current[at] = cur
                if cur != first[at], !(written[at]?.contains(cur) ?? false) {
                    torn.insert(at)
                    if !Self.looksTorn(cur, original: first[at] ?? [], written: written[at] ?? []) { tornShape = false }
                    if mismatch == nil { mismatch = "0x\(String(at, radix: 16))" }
                } else {
                    matching += 1
                }
            }
        }
        // One torn write: one record, one physical sector, the rest intact.
        let oneTornWrite = !torn.isEmpty && tornShape && matching > 0 && Set(torn.map { $0 / 4096 }).count == 1
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
                throw PatchError("refusing to undo: the first \(h.identityLength) bytes of \(targetPath.terminalSafe) do not match the journal's target \(h.path.terminalSafe) (SHA-256 differs) — wrong disk or image")
            }
        }
        if let mismatch, !(acceptTorn && oneTornWrite) {
            var why = "refusing to undo: \(targetPath.terminalSafe) at \(mismatch) holds neither the journal's original nor its patched bytes"
            if oneTornWrite {
                why += " — a power loss may have torn that write (\(torn.count) piece(s) of 512 B in one block, each part old and part new); --accept-torn restores the original anyway"
            } else if !tornShape {
                why += " (\(torn.count) piece(s) of 512 B, with bytes the journal never wrote there, which undo would overwrite) — the journal is not for this target, or the target changed since"
            } else {
                why += " (\(torn.count) piece(s) of 512 B) — the journal is not for this target, or the target changed since"
            }
            throw PatchError(why)
        }
        return steps
    }

    /// Whether `length` bytes at `offset` are whole 512-byte pieces inside
    /// `size` bytes, with the end computed without overflow (journal values).
    static func fits(offset: Int64, length: Int, size: Int64) -> Bool {
        guard offset >= 0, length > 0, offset % 512 == 0, length % 512 == 0 else { return false }
        let (end, overflow) = offset.addingReportingOverflow(Int64(length))
        return !overflow && end <= size
    }

    /// Whether `current` (a 512-byte piece) is what a write torn inside it
    /// leaves: for one of the values the journal `written` there, every byte
    /// is the original's or that value's, old bytes in one run and new bytes
    /// in one run. A byte that is neither means foreign bytes.
    static func looksTorn(_ current: [UInt8], original: [UInt8], written: [[UInt8]]) -> Bool {
        guard original.count == current.count else { return false }
        return written.contains { new in
            guard new.count == current.count else { return false }
            var last: Bool?
            var switches = 0
            for i in current.indices {
                let isOld = current[i] == original[i], isNew = current[i] == new[i]
                guard isOld || isNew else { return false }
                guard isOld != isNew else { continue }  // both agree here: no evidence either way
                if let l = last, l != isNew { switches += 1 }
                last = isNew
            }
            return switches <= 1
        }
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
