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
    /// Never blocks: min_nr 0 and a zero timeout.
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

    func getEvents(_ context: io_context_t, max: Int, into events: UnsafeMutablePointer<io_event>) -> Int32 {
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        return io_getevents(context, 0, max, events, &zero)
    }

    func destroy(_ context: io_context_t) {
        _ = io_destroy(context)
    }
}
