import Glibc

/// Starts the threads of this package and of the commands above it (the
/// reaper, the workers, the hashing lanes) with `pthread_create`, so that a
/// thread that cannot start is an error the caller sees, never a thread that
/// is waited for and never runs (Foundation's `Thread.start()` drops the
/// failure: under `ulimit -v` the command then slept forever).
package enum NativeThread {
    /// Our threads run loops and C hash functions, no deep recursion: a small
    /// stack leaves room under an address-space limit (the default is the
    /// 8 MiB of `ulimit -s`).
    package static let stackSize = 1 << 20

    private final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts a detached thread named `name` (15 bytes are kept) running `body`.
    /// - Throws: `EngineError.threadFailed` with pthread_create's error
    ///   (EAGAIN: out of memory for the stack or over RLIMIT_NPROC).
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(EngineError) {
        let context = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        let rc = spawn(context)
        if rc != 0 {
            Unmanaged<Start>.fromOpaque(context).release()
            throw EngineError.threadFailed(Errno(rc), name: name)
        }
    }

    /// pthread_create of a detached thread with our stack size; its error number.
    private static func spawn(_ context: UnsafeMutableRawPointer) -> Int32 {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, stackSize)
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, threadMain, context)
        pthread_attr_destroy(&attr)
        return rc
    }

    /// Under an address-space limit (`ulimit -v`), makes room for threads
    /// before they are needed: every later thread of the process — the Swift
    /// runtime's pool included, whose pthread_create failures libdispatch
    /// retries once a second for ever — gets a `stackSize` stack instead of
    /// the 8 MiB of `ulimit -s`; then checks that `headroom` bytes of address
    /// space are still free. Without a limit it does nothing.
    /// - Throws: `EngineError.allocationFailed` when the limit leaves no room
    ///   (a clear error instead of a process that sleeps for ever).
    package static func prepareForAddressSpaceLimit(headroom: Int = 48 << 20) throws(EngineError) {
        var lim = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &lim) == 0, lim.rlim_cur != rlim_t.max else { return }  // RLIM_INFINITY
        // Glibc hides pthread_setattr_default_np behind _GNU_SOURCE.
        typealias SetDefault = @convention(c) (UnsafePointer<pthread_attr_t>) -> Int32
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setattr_default_np") {
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            pthread_attr_setstacksize(&attr, stackSize)
            _ = unsafeBitCast(sym, to: SetDefault.self)(&attr)
            pthread_attr_destroy(&attr)
        }
        guard let p = mmap(nil, headroom, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              p != MAP_FAILED else {
            throw EngineError.allocationFailed(Errno(errno), bytes: headroom)
        }
        munmap(p, headroom)
    }

    fileprivate static func run(_ p: UnsafeMutableRawPointer) {
        let start = Unmanaged<Start>.fromOpaque(p).takeRetainedValue()
        setName(start.name)
        start.body()
    }

    /// Names the calling thread (what `top -H` and gdb show): Glibc's
    /// pthread_setname_np is hidden behind _GNU_SOURCE; comm is the same.
    private static func setName(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}

/// The entry of every `NativeThread`: takes its `Start` and runs it.
private func threadMain(_ p: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let p else { return nil }
    NativeThread.run(p)
    return nil
}

extension NativeThread {
    /// SCHED_IDLE (Glibc hides it behind _GNU_SOURCE) and SCHED_OTHER.
    package static let schedIdle: Int32 = 5
    package static let schedOther: Int32 = 0

    /// Puts the calling thread in SCHED_IDLE (runs only when nothing else
    /// wants the core) or back in SCHED_OTHER; the error, if the kernel refused.
    @discardableResult
    package static func setIdle(_ idle: Bool) -> Errno? {
        var param = sched_param(sched_priority: 0)
        let rc = pthread_setschedparam(pthread_self(), idle ? schedIdle : schedOther, &param)
        return rc == 0 ? nil : Errno(rc)
    }

    /// Runs `body` — a resume of a task's continuation — in SCHED_OTHER at
    /// nice 0 when the calling thread is SCHED_IDLE or niced, and puts the
    /// thread back after. A resume may make the runtime start a
    /// cooperative-pool (or dispatch) thread to run the task, and a new
    /// thread inherits its creator's class and nice value: a pool thread born
    /// idle would starve every task it ever runs while the machine is busy (a
    /// search in the test suite stalled for a minute that way). Every
    /// SCHED_IDLE or niced thread of blkview hands work back through here.
    /// Leaving SCHED_IDLE or lowering a nice value needs root (or an
    /// RLIMIT_NICE that allows it): without, the thread keeps its class and
    /// this changes nothing.
    package static func handingBack<T>(_ body: () throws -> T) rethrows -> T {
        let idle = sched_getscheduler(0) == schedIdle
        errno = 0
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)  // this thread (Linux)
        let niced = errno == 0 && nice > 0
        guard idle || niced else { return try body() }
        if idle { setIdle(false) }
        if niced { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 0) }
        defer {
            // Raising the nice value back needs no privilege.
            if niced { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
            if idle { setIdle(true) }
        }
        return try body()
    }
}
