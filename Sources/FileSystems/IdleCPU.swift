import Glibc
import LinuxAIO

/// The CPU class of background file-system work (a viewer's owner map):
/// Linux's `SCHED_IDLE`, as the viewer's hash and map lanes use. A nice value
/// only weighs a thread's share: a nice-10 thread that holds the core still
/// runs out its slice (milliseconds) before the viewer's render thread, woken
/// by a key, gets the core. A `SCHED_IDLE` thread is preempted at once by any
/// other thread that wakes (the kernel's wakeup preemption), and gets a core
/// when no one else wants it. Lowering one's own class needs no privilege.
enum IdleCPU {
    /// Puts the calling thread in the idle class; threads it starts inherit it.
    /// Returns false when the kernel refused (the thread keeps its class).
    @discardableResult
    static func enterThisThread() -> Bool { NativeThread.setIdle(true) == nil }

    /// Puts every thread of this process in the idle class (those running now,
    /// listed in /proc/self/task; later ones inherit it from their creator).
    /// Returns how many threads the kernel refused.
    @discardableResult
    static func enterThisProcess() -> Int {
        guard let dir = opendir("/proc/self/task") else { return enterThisThread() ? 0 : 1 }
        defer { closedir(dir) }
        var refused = 0
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let tid = Int32(name) else { continue }
            var p = sched_param(sched_priority: 0)
            if sched_setscheduler(tid, NativeThread.schedIdle, &p) != 0 { refused += 1 }
        }
        return refused
    }
}
