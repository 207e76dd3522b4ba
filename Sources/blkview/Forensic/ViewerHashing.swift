import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// The viewer's `--hash`: hashes the media in the background while the user
/// works (idle-priority threads, a few reads in flight, progress in the
/// status bar, the view never waits), then again at exit, and says whether
/// the two passes agree — on stderr once the screen is closed, and in the
/// session log.
///
/// `H` twice cancels the first pass, and so does quitting while it runs;
/// Ctrl-C cancels the exit pass.
final class ViewerHashing: Sendable {
    let status = BackgroundStatus()
    /// The viewer's own read path: the background pass takes its share of
    /// the slots behind the screen's pages.
    private let reader: MediaReader
    private let algorithms: [HashAlgorithm]
    private let first = Protected<Task<HashReport, any Error>?>(nil)
    private let done = Protected<Int64>(0)
    /// The examiner cancelled the first pass (`H H`), not the quit.
    private let cancelledByKey = Protected(false)

    init(reader: MediaReader, algorithms: [HashAlgorithm]) {
        self.reader = reader
        self.algorithms = algorithms
    }

    /// Starts the background pass; `wake` redraws the screen on progress.
    func start(wake: @escaping @Sendable () -> Void) {
        let total = reader.geometry.size
        let (status, done, reader, algorithms) = (self.status, self.done, self.reader, self.algorithms)
        status.set("hash 0%")
        // Set before the task starts, cleared by the task when it ends: the
        // status never offers to cancel a pass that is over.
        let handle = Protected<Task<HashReport, any Error>?>(nil)
        let byKey = cancelledByKey
        status.setCanceller {
            byKey.withLock { $0 = true }
            handle.withLock { $0 }?.cancel()
        }
        let task = Task {
            defer { status.setCanceller(nil) }
            do {
                let r = try await MediaHasher.hash(reader, algorithms: algorithms, tuning: .viewer) { n in
                    done.withLock { $0 = n }
                    status.set("hash \(total > 0 ? Int(Double(n) / Double(total) * 100) : 100)%")
                    wake()
                }
                status.set(r.isComplete ? "hashed ✓" : "hash: \(r.readErrors.count) unreadable")
                wake()
                return r
            } catch {
                status.set("hash cancelled")
                wake()
                throw error
            }
        }
        handle.withLock { $0 = task }
        if byKey.withLock({ $0 }) { task.cancel() }  // H H before the handle was set
        first.withLock { $0 = task }
    }

    /// After the screen closed: stops the first pass if it still runs, hashes
    /// again, compares, and reports to stderr and the session log.
    func finish(session: ForensicSession?) async {
        guard let task = first.withLock({ $0 }) else { return }
        // Ctrl-C from here on stops the exit pass (not the process): the
        // screen is closed, and the session log still gets its end.
        let interrupt = Interrupt.mark()
        task.cancel()
        let before: HashReport?
        do {
            before = try await task.value
        } catch {
            before = nil
            let pct = reader.geometry.size > 0 ? Int(Double(done.withLock { $0 }) / Double(reader.geometry.size) * 100) : 0
            let why = cancelledByKey.withLock { $0 } ? "cancelled with H" : "quit before it finished"
            say("background hash cancelled at \(pct)% (\(why))")
            session?.note("background hash cancelled at \(pct)% (\(why))")
        }
        if let before { session?.hashed(before, label: "background hash") }
        let bar = Terminal.isTTY(2) ? HashProgressBar(total: reader.geometry.size) : nil
        let (src, algos) = (reader, algorithms)
        // The screen is closed: the exit pass may use every slot.
        reader.setInteractive(false)
        let after: HashReport
        do {
            after = try await Interrupt.cancelling(since: interrupt) {
                try await MediaHasher.hash(src, algorithms: algos) { bar?.show($0) }
            }
        } catch {
            bar?.clear()
            say("exit hash cancelled: the media was not hashed at exit")
            session?.note("exit hash cancelled")
            return
        }
        bar?.clear()
        session?.hashed(after, label: "exit hash")
        let verdict = Self.verdict(before, after)
        say(verdict)
        session?.note(verdict)
        // An E01 also against the hashes stored at acquisition (those computed).
        if after.isComplete, let stored = ExpectedHashes.stored(in: reader.source.evidence, origin: reader.path) {
            let checks = stored.checks(against: after.digests).filter { $0.computed != nil }
            session?.verified(checks)
            for c in checks { say("exit hash: \(c)") }
        }
    }

    /// One line: the two passes agree (with the digests), differ, or cannot be compared.
    static func verdict(_ before: HashReport?, _ after: HashReport) -> String {
        func list(_ r: HashReport) -> String {
            r.digests.keys.sorted().map { "\($0.rawValue) \(r.digests[$0]!)" }.joined(separator: ", ")
        }
        guard after.isComplete else { return "exit hash: \(after.readErrors.count == 1 ? "1 unreadable range" : "\(after.readErrors.count) unreadable ranges"); no digest" }
        guard let before else { return "media hash at exit: \(list(after))" }
        guard before.isComplete else {
            return "background hash had \(before.readErrors.count == 1 ? "1 unreadable range" : "\(before.readErrors.count) unreadable ranges"); media hash at exit: \(list(after))"
        }
        return before.digests == after.digests
            ? "media hash at start and at exit agree: \(list(after))"
            : "MEDIA HASH CHANGED during the session: at start \(list(before)); at exit \(list(after))"
    }

    private func say(_ line: String) {
        FileHandle.standardError.write(Data("blkview: \(line)\n".utf8))
    }
}
