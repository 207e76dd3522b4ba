import Foundation

/// A fixed set of threads running blocking jobs in FIFO order: the threaded
/// engine's workers, the dedicated thread for fsync(2) fallbacks, and (with
/// one thread) the thread that owns a libewf handle, which is not thread-safe.
/// Blocking calls never run on Swift's cooperative pool.
///
/// `@unchecked Sendable`: `lock` guards `jobs`, `stopping` and `alive`.
package final class WorkerPool: @unchecked Sendable {
    package typealias Job = @Sendable () -> Void

    private let lock = ConditionLock()
    private var jobs = FIFO<Job>()
    private var stopping = false
    private var alive: Int
    private let exited = ThreadGate()

    package init(threads: Int, name: String) {
        precondition(threads > 0)
        alive = threads
        for i in 0..<threads {
            let t = Thread { [self] in run() }
            t.name = "\(name)-\(i)"
            t.start()
        }
    }

    /// Queues `job`; false (and the job is dropped) once `stop` was called.
    @discardableResult
    package func enqueue(_ job: @escaping Job) -> Bool {
        lock.withLock {
            if stopping { return false }
            jobs.append(job)
            lock.signal()
            return true
        }
    }

    /// Takes no more jobs; the threads run those queued, then `last` (if
    /// given, once), then exit. With `wait`, blocks until they have exited.
    package func stop(wait: Bool = true, then last: Job? = nil) {
        lock.withLock {
            if !stopping, let last { jobs.append(last) }
            stopping = true
            lock.broadcast()
        }
        if wait { exited.wait() }
    }

    private func run() {
        while true {
            let (next, last): (Job?, Bool) = lock.withLock {
                while jobs.isEmpty && !stopping { lock.wait() }
                if let job = jobs.popFirst() { return (job, false) }
                alive -= 1
                return (nil, alive == 0)
            }
            guard let job = next else {
                if last { exited.open() }
                return
            }
            job()
        }
    }
}
