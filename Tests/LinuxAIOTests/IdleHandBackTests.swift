import Dispatch
import Glibc
import LinuxAIO
import Testing

/// `NativeThread.handingBack`: a SCHED_IDLE thread resumes tasks in
/// SCHED_OTHER, so that a thread started meanwhile (a cooperative-pool
/// thread the runtime starts for the resumed task) is not born idle.
@Suite("SCHED_IDLE threads hand work back in the normal class")
struct IdleHandBackTests {
    /// The policy of a thread started from the calling thread.
    static func childPolicy() throws -> Int32 {
        let seen = Protected<Int32>(-1)
        let done = DispatchSemaphore(value: 0)
        try NativeThread.start(name: "blkview-test-child") {
            seen.withLock { $0 = sched_getscheduler(0) }
            done.signal()
        }
        done.wait()
        return seen.withLock { $0 }
    }

    @Test("a thread started by an idle thread is idle; inside handingBack it is not, and the idle class comes back after",
          .enabled(if: geteuid() == 0, "leaving SCHED_IDLE needs root (or RLIMIT_NICE)"))
    func inheritance() throws {
        let result = Protected<[Int32]>([])
        let done = DispatchSemaphore(value: 0)
        try NativeThread.start(name: "blkview-test-idle") {
            NativeThread.setIdle(true)
            var r: [Int32] = [sched_getscheduler(0)]
            r.append((try? Self.childPolicy()) ?? -1)  // inherited: idle
            NativeThread.handingBack {
                r.append(sched_getscheduler(0))
                r.append((try? Self.childPolicy()) ?? -1)  // born normal
            }
            r.append(sched_getscheduler(0))
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        let idle = NativeThread.schedIdle, other = NativeThread.schedOther
        #expect(result.withLock { $0 } == [idle, idle, other, other, idle])
    }

    @Test("on a normal thread handingBack changes nothing")
    func normalThread() throws {
        let before = sched_getscheduler(0)
        let inside = NativeThread.handingBack { sched_getscheduler(0) }
        #expect(before == NativeThread.schedOther && inside == before && sched_getscheduler(0) == before)
    }
}
