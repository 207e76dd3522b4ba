import Foundation

/// One thread running blocking jobs in FIFO order, for libraries that must
/// not run on Swift's cooperative pool and whose handles are not thread-safe
/// (libewf): every job on one worker runs on the same thread, one at a time.
///
/// `@unchecked Sendable`: `mutex` guards `jobs` and `stopping`; `cond` is only
/// waited on with the mutex held.
final class SerialWorker: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job] = []
    private var head = 0
    private var stopping = false

    init(name: String) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        let t = Thread { [self] in run() }
        t.name = name
        t.start()
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Queues `job`; false (and the job is dropped) once `stop` was called.
    @discardableResult
    func enqueue(_ job: @escaping Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if stopping { return false }
        jobs.append(job)
        pthread_cond_signal(cond)
        return true
    }

    /// Takes no more jobs; the thread runs those queued, then `last`, then exits.
    func stop(then last: @escaping Job) {
        pthread_mutex_lock(mutex)
        if !stopping { jobs.append(last) }
        stopping = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    private func run() {
        while true {
            pthread_mutex_lock(mutex)
            while head == jobs.count && !stopping { pthread_cond_wait(cond, mutex) }
            if head == jobs.count {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            job()
        }
    }
}
