import Foundation

/// A fixed set of threads running blocking jobs in FIFO order: the threaded
/// engine's workers, the dedicated thread for fsync(2) fallbacks, and (with
/// one thread) the thread that owns a libewf handle, which is not thread-safe.
/// Blocking calls never run on Swift's cooperative pool.
///
/// `@unchecked Sendable`: `mutex` guards `jobs` and `stopping`; `cond` is only
/// waited on with the mutex held.
package final class WorkerPool: @unchecked Sendable {
    package typealias Job = @Sendable () -> Void

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs = FIFO<Job>()
    private var stopping = false
    private var alive: Int
    private let exited = ThreadGate()

    package init(threads: Int, name: String) {
        precondition(threads > 0)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        alive = threads
        for i in 0..<threads {
            let t = Thread { [self] in run() }
            t.name = "\(name)-\(i)"
            t.start()
        }
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Queues `job`; false (and the job is dropped) once `stop` was called.
    @discardableResult
    package func enqueue(_ job: @escaping Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if stopping { return false }
        jobs.append(job)
        pthread_cond_signal(cond)
        return true
    }

    /// Takes no more jobs; the threads run those queued, then `last` (if
    /// given, once), then exit. With `wait`, blocks until they have exited.
    package func stop(wait: Bool = true, then last: Job? = nil) {
        pthread_mutex_lock(mutex)
        if !stopping, let last { jobs.append(last) }
        stopping = true
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
        if wait { exited.wait() }
    }

    private func run() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopping { pthread_cond_wait(cond, mutex) }
            guard let job = jobs.popFirst() else {
                alive -= 1
                let last = alive == 0
                pthread_mutex_unlock(mutex)
                if last { exited.open() }
                return
            }
            pthread_mutex_unlock(mutex)
            job()
        }
    }
}
