import Foundation

/// A fixed set of threads running blocking jobs in FIFO order: the threaded
/// engine's workers, and the dedicated thread for fsync(2) fallbacks. Blocking
/// syscalls never run on Swift's cooperative pool.
///
/// `@unchecked Sendable`: `mutex` guards `jobs` and `stopping`; `cond` is only
/// waited on with the mutex held.
final class WorkerPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs = FIFO<Job>()
    private var stopping = false
    private var alive: Int
    private let exited = ThreadGate()

    init(threads: Int, name: String) {
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

    func enqueue(_ job: @escaping Job) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Runs the queued jobs, then stops the threads; with `wait`, blocks
    /// until they have exited.
    func stop(wait: Bool = true) {
        pthread_mutex_lock(mutex)
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
