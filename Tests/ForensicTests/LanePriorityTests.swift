import Foundation
import Glibc
@testable import Inspector
import LinuxAIO
import Testing

@Suite("hash lane priority")
struct LanePriorityTests {
    /// Runs `body` on a thread of its own (priorities stick to the thread).
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let box = Protected<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        let t = Thread { box.withLock { $0 = body() }; done.signal() }
        t.start()
        done.wait()
        return box.withLock { $0 }!
    }

    @Test("background: the lane runs under SCHED_IDLE and says so; foreground: nice +5")
    func yieldPriority() {
        let idle = Self.onOwnThread { () -> [Int32] in
            let e = LaneThread.yieldPriority(background: true)
            return [e?.rawValue ?? 0, sched_getscheduler(0)]
        }
        #expect(idle == [0, LaneThread.schedIdle])
        let nice = Self.onOwnThread { () -> [Int32] in
            let e = LaneThread.yieldPriority(background: false)
            return [e?.rawValue ?? 0, getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)]
        }
        #expect(nice == [0, LaneThread.yieldingNice])
    }
}
