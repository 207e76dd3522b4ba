internal import CLinuxAIO
import Glibc

/// The four kernel calls AioContext makes, behind a protocol so that tests
/// can play the kernel for faults it will not give on demand (EINVAL on
/// IOCB_CMD_FSYNC, failed submits, completions in any order).
///
/// All return values follow libaio: a count, or -errno. libaio does not set errno.
protocol AIOBackend: Sendable {
    func setup(maxEvents: Int32, context: UnsafeMutablePointer<io_context_t?>) -> Int32
    func submit(_ context: io_context_t, _ iocbs: UnsafeMutablePointer<UnsafeMutablePointer<iocb>?>, count: Int) -> Int32
    /// Never blocks: min_nr 0 and a zero timeout. Calls on one context are
    /// serialised by the caller (one consumer at a time).
    func getEvents(_ context: io_context_t, max: Int, into events: UnsafeMutablePointer<io_event>) -> Int32
    func destroy(_ context: io_context_t)
}

/// The real kernel, through libaio.
struct KernelAIO: AIOBackend {
    func setup(maxEvents: Int32, context: UnsafeMutablePointer<io_context_t?>) -> Int32 {
        io_setup(maxEvents, context)
    }

    func submit(_ context: io_context_t, _ iocbs: UnsafeMutablePointer<UnsafeMutablePointer<iocb>?>, count: Int) -> Int32 {
        io_submit(context, count, iocbs)
    }

    /// From the completion ring in our memory, without a system call (fio's
    /// `userspace_reap`): at queue depth 1 that was one io_getevents per
    /// completion and one more per submit; io_getevents only where the ring
    /// is not the layout we know.
    func getEvents(_ context: io_context_t, max: Int, into events: UnsafeMutablePointer<io_event>) -> Int32 {
        let n = cla_ring_reap(context, events, Int32(clamping: max))
        if n >= 0 { return n }
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        return io_getevents(context, 0, max, events, &zero)
    }

    func destroy(_ context: io_context_t) {
        _ = io_destroy(context)
    }
}
