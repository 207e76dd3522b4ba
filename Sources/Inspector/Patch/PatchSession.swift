import BlockDevice
import LinuxAIO

/// The viewer's writer (sessions opened with `--write` only): commits staged
/// runs through `PatchEngine` into one undo journal per session (created at
/// the first commit), keeps the journal panel's lines, and hands the bytes of
/// every verified block, read back from the media, to `written` (the page
/// cache takes them: the view and what is decoded from it show the media as
/// it now is).
public final class PatchSession: Sendable {
    public let target: WritableMedia
    private let explicitJournal: String?
    private let written: @Sendable ([UInt8], Int64) -> Void
    /// Guards the journal writer and the panel's lines.
    private let state = Protected<State>(State())
    private let task = Protected<Task<Void, Never>?>(nil)

    private struct State {
        var journal: UndoJournalWriter?
        var lines: [JournalLine] = []
    }

    /// - Parameters:
    ///   - journal: `--journal FILE`, else a new file in the default directory.
    ///   - written: gets each verified block's bytes as read back, and its offset.
    public init(target: WritableMedia, journal: String?, written: @escaping @Sendable ([UInt8], Int64) -> Void) {
        self.target = target
        explicitJournal = journal
        self.written = written
    }

    /// The journal panel's lines, oldest first.
    public var lines: [JournalLine] { state.withLock { $0.lines } }

    /// The journal's path once the first commit made it.
    public var journalPath: String? { state.withLock { $0.journal?.path } }

    /// Writes `runs` with `sync` in the background; `done` gets the outcome.
    public func commit(_ runs: [PatchRun], sync: SyncLevel, progress: @escaping @Sendable () -> Void,
                       done: @escaping @Sendable (CommitOutcome) -> Void) {
        let t = Task {
            let outcome = await self.run(runs, sync: sync, progress: progress)
            done(outcome)
        }
        task.withLock { $0 = t }
    }

    private func run(_ runs: [PatchRun], sync: SyncLevel, progress: @escaping @Sendable () -> Void) async -> CommitOutcome {
        let blocks: [PlannedBlock]
        do {
            blocks = try PatchPlan.blocks(for: runs, unit: target.patchUnit, mediaSize: target.geometry.size)
        } catch {
            return CommitOutcome(verified: [], failure: error.description)
        }
        let journal: UndoJournalWriter
        do {
            if let j = state.withLock({ $0.journal }) {
                journal = j
            } else {
                journal = try await UndoJournalWriter.create(for: target, explicitPath: explicitJournal)
                state.withLock { $0.journal = journal }
            }
        } catch {
            return CommitOutcome(verified: [], failure: "\(error)")
        }
        let base = state.withLock { $0.lines.count }
        let report = await PatchEngine.commit(blocks, to: target, journal: journal, sync: sync) { [state] i, line in
            state.withLock { s in
                if base + i < s.lines.count { s.lines[base + i] = line } else { s.lines.append(line) }
            }
            progress()
        }
        // Staged bytes that are now on the media (verified blocks only).
        var verified: [Range<Int64>] = []
        for (b, o) in zip(blocks, report.blocks) where o.state == .verified {
            verified.append(b.range)
        }
        for r in verified {
            if let bytes = try? await target.readExactly(at: r.lowerBound, length: r.count) { written(bytes, r.lowerBound) }
        }
        return CommitOutcome(verified: verified, failure: report.failure, journal: journal.path)
    }

    /// Waits for a commit under way, closes the journal.
    public func close() async {
        await task.withLock { $0 }?.value
        await state.withLock { $0.journal }?.close()
    }
}
