import Glibc

/// A value guarded by a pthread mutex.
///
/// `@unchecked Sendable`: the mutex guards `value`; every access goes through
/// `withLock`. (Synchronization.Mutex reports false races under TSan here.)
package final class Protected<Value>: @unchecked Sendable {
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

/// A counting gate for blocking threads (not tasks): wait until signalled.
///
/// `@unchecked Sendable`: the mutex guards `signalled`; the condition variable
/// is only used with the mutex held.
package final class ThreadGate: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var signalled = false

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

    package func open() {
        pthread_mutex_lock(mutex)
        signalled = true
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }

    package func wait() {
        pthread_mutex_lock(mutex)
        while !signalled { pthread_cond_wait(cond, mutex) }
        pthread_mutex_unlock(mutex)
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
