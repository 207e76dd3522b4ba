import BlockDevice
import LinuxAIO

/// The viewer's writer (sessions opened with `--write` only): commits staged
/// runs through `PatchEngine` into one undo journal per session (created at
/// the first commit), keeps the journal panel's lines, and remembers the
/// blocks written so that the view shows them (the page cache still holds
/// the bytes read before).
public final class PatchSession: Sendable {
    public let target: WritableFileSource
    private let explicitJournal: String?
    /// Guards the journal writer, the panel's lines and the written blocks.
    private let state = Protected<State>(State())
    private let task = Protected<Task<Void, Never>?>(nil)

    private struct State {
        var journal: UndoJournalWriter?
        var lines: [JournalLine] = []
        var written: [(offset: Int64, bytes: [UInt8])] = []
    }

    /// - Parameter journal: `--journal FILE`, else a new file in the default directory.
    public init(target: WritableFileSource, journal: String?) {
        self.target = target
        explicitJournal = journal
    }

    /// The journal panel's lines, oldest first.
    public var lines: [JournalLine] { state.withLock { $0.lines } }

    /// The journal's path once the first commit made it.
    public var journalPath: String? { state.withLock { $0.journal?.path } }

    /// Puts the bytes written this session over `cells` (which show `range`).
    public func overlay(_ cells: inout [ByteCell], range: Range<Int64>) {
        state.withLock { s in
            for w in s.written {
                let lo = max(range.lowerBound, w.offset), hi = min(range.upperBound, w.offset + Int64(w.bytes.count))
                guard lo < hi else { continue }
                for o in lo..<hi where Int(o - range.lowerBound) < cells.count {
                    cells[Int(o - range.lowerBound)] = .byte(w.bytes[Int(o - w.offset)])
                }
            }
        }
    }

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
        var written: [(Int64, [UInt8])] = []
        for r in verified {
            if let bytes = try? await target.readExactly(at: r.lowerBound, length: r.count) { written.append((r.lowerBound, bytes)) }
        }
        state.withLock { s in s.written += written.map { (offset: $0.0, bytes: $0.1) } }
        return CommitOutcome(verified: verified, failure: report.failure, journal: journal.path)
    }

    /// Waits for a commit under way, closes the journal.
    public func close() async {
        await task.withLock { $0 }?.value
        await state.withLock { $0.journal }?.close()
    }
}
