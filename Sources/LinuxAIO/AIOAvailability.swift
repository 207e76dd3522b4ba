internal import CLinuxAIO
import Foundation

/// Whether io_setup will work, without creating a context (one set up only
/// to ask costs ~40 ms to tear down).
enum AIOAvailability {
    /// The error io_setup(slots) would give, or nil when it should succeed.
    static func refusal(slots: Int) -> EngineError? {
        // io_setup with no events fails EINVAL before allocating anything when
        // the syscall is there; ENOSYS without AIO, or a seccomp filter's errno.
        var ctx: io_context_t?
        let rc = io_setup(0, &ctx)
        if rc != -EINVAL {
            if rc == 0, let ctx { io_destroy(ctx) }  // never expected
            return .setupFailed(Errno(rc < 0 ? -rc : EINVAL), slots: slots)
        }
        // fs/aio.c counts what was asked for: refused when nr_events exceeds
        // aio-max-nr, or aio-nr + nr_events would.
        guard let max = number("/proc/sys/fs/aio-max-nr"), let used = number("/proc/sys/fs/aio-nr") else { return nil }
        return slots > max || used + slots > max ? .setupFailed(.EAGAIN, slots: slots) : nil
    }

    private static func number(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
