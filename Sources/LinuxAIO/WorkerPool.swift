import Glibc

/// A fixed set of threads running blocking jobs in FIFO order: the threaded
/// engine's workers, the dedicated thread for fsync(2) fallbacks, and (with
/// one thread) the thread that owns a libewf handle, which is not thread-safe.
/// Blocking calls never run on Swift's cooperative pool.
///
/// A thread that cannot start is not waited for: the pool runs with those
/// that did, and with none it takes no job (`enqueue` returns false and
/// `startFailure` says why).
///
/// `@unchecked Sendable`: `lock` guards `jobs`, `stopping`, `alive` and `startFailure`.
package final class WorkerPool: @unchecked Sendable {
    package typealias Job = @Sendable () -> Void

    private let lock = ConditionLock()
    private var jobs = FIFO<Job>()
    private var stopping = false
    private var alive = 0
    private var failure: EngineError?
    private let exited = ThreadGate()

    /// Starts a thread: `NativeThread.start`, or a stand-in that fails (tests).
    package typealias ThreadStarter = (String, @escaping @Sendable () -> Void) throws(EngineError) -> Void

    package init(threads: Int, name: String, startThread: ThreadStarter = { n, b throws(EngineError) in try NativeThread.start(name: n, b) }) {
        precondition(threads > 0)
        for i in 0..<threads {
            lock.withLock { alive += 1 }
            do {
                try startThread("\(name)-\(i)") { [self] in run() }
            } catch {
                lock.withLock {
                    alive -= 1
                    failure = error
                }
                break
            }
        }
    }

    /// Why a thread of the pool could not start, if one could not.
    package var startFailure: EngineError? { lock.withLock { failure } }

    /// Queues `job`; false (and the job is dropped) once `stop` was called or
    /// when no thread of the pool could start.
    @discardableResult
    package func enqueue(_ job: @escaping Job) -> Bool {
        lock.withLock {
            if stopping || alive == 0 { return false }
            jobs.append(job)
            lock.signal()
            return true
        }
    }

    /// Takes no more jobs; the threads run those queued, then `last` (if
    /// given, once), then exit. With `wait`, blocks until they have exited.
    package func stop(wait: Bool = true, then last: Job? = nil) {
        let (noThreads, runLast) = lock.withLock { () -> (Bool, Bool) in
            let first = !stopping
            stopping = true
            if alive == 0 { return (true, first) }
            if first, let last { jobs.append(last) }
            lock.broadcast()
            return (false, false)
        }
        if noThreads {
            // No thread ever started: nothing to wait for; `last` runs here.
            if runLast { last?() }
            return
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
