import CLinuxAIO
import Glibc
@testable import LinuxAIO

/// Plays the kernel for AioContext: records every submitted iocb as the
/// kernel would see it, and completes requests when (and how) a test says,
/// signalling the iocb's eventfd as IOCB_FLAG_RESFD asks.
final class FakeKernel: AIOBackend {
    struct Submitted: Equatable, Sendable {
        let data: UInt64
        let opcode: Int16
        let fd: Int32
        let nbytes: UInt64
        let offset: Int64
        let rwFlags: UInt32
        let flags: UInt32
        let resfd: UInt32
    }

    struct State: Sendable {
        var submitted: [Submitted] = []
        var events: [(data: UInt64, res: Int64)] = []
        /// Scripted io_submit returns, consumed one per call (else: accept all).
        var submitReturns: [Int32] = []
        var destroyed = false
        /// io_setup calls.
        var setups = 0
        /// When set, every submitted iocb completes at once with this result.
        var autoComplete: (@Sendable (Submitted) -> Int64)?
    }

    let state = Protected(State())

    init(autoComplete: (@Sendable (Submitted) -> Int64)? = nil) {
        state.withLock { $0.autoComplete = autoComplete }
    }

    func setup(maxEvents: Int32, context: UnsafeMutablePointer<io_context_t?>) -> Int32 {
        state.withLock { $0.setups += 1 }
        context.pointee = OpaquePointer(bitPattern: 0x1000)
        return 0
    }

    func submit(_ context: io_context_t, _ iocbs: UnsafeMutablePointer<UnsafeMutablePointer<iocb>?>, count: Int) -> Int32 {
        let (accepted, signal) = state.withLock { s -> (Int32, [UInt32]) in
            var n = Int32(count)
            if !s.submitReturns.isEmpty {
                n = s.submitReturns.removeFirst()
                if n <= 0 { return (n, []) }
                n = min(n, Int32(count))
            }
            var fds: [UInt32] = []
            for i in 0..<Int(n) {
                let cb = iocbs[i]!
                let sub = Submitted(data: cla_iocb_data(cb), opcode: cla_iocb_opcode(cb), fd: cla_iocb_fd(cb),
                                    nbytes: cla_iocb_nbytes(cb), offset: cla_iocb_offset(cb),
                                    rwFlags: cla_iocb_rw_flags(cb), flags: cla_iocb_flags(cb),
                                    resfd: cla_iocb_resfd(cb))
                s.submitted.append(sub)
                if let auto = s.autoComplete {
                    s.events.append((sub.data, auto(sub)))
                    fds.append(sub.resfd)
                }
            }
            return (n, fds)
        }
        for fd in signal { Self.signal(fd) }
        return accepted
    }

    func getEvents(_ context: io_context_t, max: Int, into events: UnsafeMutablePointer<io_event>) -> Int32 {
        state.withLock { s in
            let n = min(max, s.events.count)
            for i in 0..<n { cla_event_set(events + i, s.events[i].data, s.events[i].res) }
            s.events.removeFirst(n)
            return Int32(n)
        }
    }

    func destroy(_ context: io_context_t) {
        state.withLock { $0.destroyed = true }
    }

    /// Completes the request submitted with `aio_data == data` with `res`
    /// (a byte count, or -errno).
    func complete(data: UInt64, res: Int64) {
        let fd = state.withLock { s -> UInt32? in
            guard let sub = s.submitted.last(where: { $0.data == data }) else { return nil }
            s.events.append((data, res))
            return sub.resfd
        }
        if let fd { Self.signal(fd) }
    }

    var submitted: [Submitted] { state.withLock { $0.submitted } }
    var destroyed: Bool { state.withLock { $0.destroyed } }

    private static func signal(_ fd: UInt32) {
        var one: UInt64 = 1
        _ = Glibc.write(Int32(bitPattern: fd), &one, 8)
    }
}
