import Glibc

/// A value guarded by a pthread mutex.
///
/// `@unchecked Sendable`: the mutex guards `value`; every access goes through
/// `withLock`. (Synchronization.Mutex reports false races under TSan here.)
package final class Protected<Value: Sendable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// A pthread mutex with its condition variable, for blocking threads (never
/// tasks): the one place that owns the pair, for the gate, the worker pool and
/// the hashing ring.
///
/// `@unchecked Sendable`: it is the synchronisation itself; `wait` is only
/// called inside `withLock`.
package final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    @inline(__always)
    package func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a signal; call with the lock held (inside `withLock`), in a loop.
    package func wait() { pthread_cond_wait(cond, mutex) }
    package func signal() { pthread_cond_signal(cond) }
    package func broadcast() { pthread_cond_broadcast(cond) }
}

/// A gate for blocking threads (not tasks): wait until it is opened.
///
/// `@unchecked Sendable`: `lock` guards `signalled`.
package final class ThreadGate: @unchecked Sendable {
    private let lock = ConditionLock()
    private var signalled = false

    package init() {}

    package func open() {
        lock.withLock {
            signalled = true
            lock.broadcast()
        }
    }

    package func wait() {
        lock.withLock {
            while !signalled { lock.wait() }
        }
    }
}

/// Monotonic clock in nanoseconds.
@inline(__always)
package func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

extension Protected where Value == Bool {
    /// Sets the flag; true only for the first caller (close-once, shut-down-once).
    package func setOnce() -> Bool {
        withLock { v in
            defer { v = true }
            return !v
        }
    }
}
