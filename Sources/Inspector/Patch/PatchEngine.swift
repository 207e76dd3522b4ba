import LinuxAIO

/// What happened to one block of a patch.
public struct BlockOutcome: Equatable, Sendable {
    public var offset: Int64
    public var length: Int
    public var state: JournalLine.State
    /// Completion latency of the write, µs.
    public var latencyMicroseconds: Double?
    /// Bytes that differ from what was there.
    public var changedBytes: Int
    public var note: String?

    public var line: JournalLine { JournalLine(offset: offset, length: length, sync: sync, state: state,
                                               latencyMicroseconds: latencyMicroseconds, note: note) }
    public var sync: SyncLevel = .none
}

/// The result of committing a patch.
public struct PatchReport: Equatable, Sendable {
    public var blocks: [BlockOutcome]
    public var sync: SyncLevel
    /// How the sync level was made true on the target (`data (NBD FUA)`).
    public var syncWords: String
    /// Why it stopped, when a block failed (the blocks after it were not written).
    public var failure: String?
    /// Blocks written before a stop was asked for (Ctrl-C), when one was.
    public var stoppedAfter: Int?

    public var succeeded: Bool { failure == nil && blocks.allSatisfy { $0.state == .verified } }
    /// Byte ranges on the media now known to hold the patched bytes.
    public var verifiedRanges: [Range<Int64>] {
        blocks.filter { $0.state == .verified }.map { $0.offset..<($0.offset + Int64($0.length)) }
    }
}

/// Commits planned blocks, one at a time, in the write-ahead order:
///
/// 1. read the whole aligned block (O_DIRECT) and apply the staged bytes;
/// 2. append the block's original and patched bytes to the undo journal and
///    fsync it;
/// 3. write the block with the chosen sync level (`RWF_DSYNC` / `RWF_SYNC`
///    in `aio_rw_flags`);
/// 4. read it back (O_DIRECT) and compare.
///
/// The first failure stops the patch: later blocks are not written, and
/// everything written so far can be undone from the journal.
public enum PatchEngine {
    /// - Parameters:
    ///   - stop: asked before each block; when it says yes (Ctrl-C), no
    ///     further block is journaled or written, and the report says how
    ///     many were (`stoppedAfter`). The journal ends with the last block
    ///     written, so undo restores exactly those.
    ///   - progress: called with the block's index and its journal-panel line at each step.
    public static func commit(_ blocks: [PlannedBlock], to target: any PatchTarget, journal: UndoJournalWriter,
                              sync: SyncLevel,
                              progress: @Sendable (Int, JournalLine) -> Void = { _, _ in },
                              stop: @Sendable () -> Bool = { false }) async -> PatchReport {
        var outcomes = blocks.map {
            var o = BlockOutcome(offset: $0.offset, length: $0.length, state: .queued, changedBytes: 0)
            o.sync = sync
            return o
        }
        for i in outcomes.indices { progress(i, outcomes[i].line) }
        var failure: String?
        var stoppedAfter: Int?
        for (i, block) in blocks.enumerated() {
            func report(_ state: JournalLine.State, note: String? = nil) {
                outcomes[i].state = state
                if let note { outcomes[i].note = note }
                progress(i, outcomes[i].line)
            }
            if failure == nil, stoppedAfter == nil, stop() {
                stoppedAfter = i
                failure = "stopped after \(i) of \(blocks.count) block\(blocks.count == 1 ? "" : "s")"
            }
            if failure != nil {
                report(.failed, note: "not written")
                continue
            }
            do {
                let original = try await target.readExactly(at: block.offset, length: block.length)
                let patched = block.apply(to: original)
                outcomes[i].changedBytes = zip(original, patched).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
                try await journal.append(offset: block.offset, sync: sync, original: original, patched: patched)
                report(.inFlight)
                outcomes[i].latencyMicroseconds = try await target.writeAll(patched, at: block.offset, sync: sync)
                report(.written)
                let back = try await target.readExactly(at: block.offset, length: block.length)
                if back == patched {
                    report(.verified)
                } else {
                    let at = zip(back, patched).enumerated().first { $0.element.0 != $0.element.1 }!.offset
                    let why = "read-back differs at 0x\(String(block.offset + Int64(at), radix: 16))"
                    report(.failed, note: why)
                    failure = "\(why): the device did not keep what was written (undo with the journal)"
                }
            } catch {
                report(.failed, note: "\(error)")
                failure = "\(error)"
            }
        }
        return PatchReport(blocks: outcomes, sync: sync, syncWords: target.syncWords(sync), failure: failure, stoppedAfter: stoppedAfter)
    }
}
