import Dispatch
import LinuxAIO

/// Threads that tally a fill's bytes off the cooperative pool (the pool
/// serves the reads and, in the viewer, the UI's I/O callbacks). In the
/// viewer they run under SCHED_IDLE, as the hash lanes do: a full read near
/// the cursor uses only CPU nobody else wants, and a key never waits for it.
final class TallyLanes: Sendable {
    /// Jobs waiting for a lane, and whether the lanes are closing.
    private let queue = Protected<(jobs: [@Sendable () -> Void], closed: Bool)>(([], false))
    private let signal = DispatchSemaphore(value: 0)
    let count: Int

    /// Starts `count` lanes (at least 1); nil when no thread can be started
    /// (then the caller tallies on its own task).
    init?(count: Int, idle: Bool) {
        var started = 0
        for i in 0..<max(1, count) {
            do {
                try NativeThread.start(name: "blkview-map-\(i)") { [queue, signal] in
                    if idle { NativeThread.setIdle(true) }
                    Self.loop(queue, signal)
                }
                started += 1
            } catch {
                break
            }
        }
        guard started > 0 else { return nil }
        self.count = started
    }

    private static func loop(_ queue: Protected<(jobs: [@Sendable () -> Void], closed: Bool)>, _ signal: DispatchSemaphore) {
        while true {
            signal.wait()
            // A signal without a job is close(): this lane ends.
            guard let job = queue.withLock({ q in q.jobs.isEmpty ? nil : q.jobs.removeFirst() }) else { return }
            job()
        }
    }

    /// Runs `body` on a lane and returns when it is done.
    func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queue.withLock { $0.jobs.append { body(); NativeThread.handingBack { c.resume() } } }
            signal.signal()
        }
    }

    /// Ends the lanes once the jobs queued are done (call when no `run` is pending).
    func close() {
        let n = queue.withLock { q -> Int in
            guard !q.closed else { return 0 }
            q.closed = true
            return count
        }
        for _ in 0..<n { signal.signal() }
    }
}
