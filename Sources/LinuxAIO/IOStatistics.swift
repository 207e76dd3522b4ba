import Histogram

/// One request the kernel (or a worker thread) has not finished yet.
public struct InFlightRequest: Sendable, Equatable {
    public let slot: Int
    public let operation: IOOperation
    public let offset: Int64
    public let length: Int
    public let sync: SyncLevel
    /// Nanoseconds since submission, when the snapshot was taken.
    public let ageNanoseconds: UInt64
    /// The task that issued it was cancelled; the slot and buffer stay with the
    /// kernel until the completion arrives.
    public let abandoned: Bool
}

/// A consistent snapshot of an engine, cheap enough to take every frame.
public struct IOStatistics: Sendable {
    public let engine: EngineKind
    public let slots: Int
    /// Requests submitted and not yet completed, oldest first.
    public let inFlight: [InFlightRequest]
    /// Requests waiting for a free slot.
    public let waiting: Int
    /// Completion latency in microseconds per operation (HdrHistogram, 2 digits).
    public let latency: [IOOperation: Histogram<UInt64>]
    public let completed: [IOOperation: Int]
    public let failed: Int
    public let bytesRead: Int64
    public let bytesWritten: Int64

    public var slotsInUse: Int { inFlight.count }
}

extension IOStatistics: CustomStringConvertible {
    public var description: String {
        "\(engine) engine: \(inFlight.count)/\(slots) slots in use, \(waiting) waiting"
    }
}

/// Errors of an engine as a whole (a request's own failure is an `IOError`).
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `io_setup` failed (e.g. EAGAIN when fs.aio-max-nr is used up).
    case setupFailed(Errno, slots: Int)
    /// The engine was shut down; no new requests are taken.
    case shutDown
    /// A request's length does not fit its buffer.
    case bufferTooSmall(length: Int, buffer: Int)
    /// A thread could not be started (`pthread_create`: EAGAIN when its stack
    /// does not fit the address space, or RLIMIT_NPROC).
    case threadFailed(Errno, name: String)
    /// A buffer could not be allocated (`posix_memalign`: ENOMEM).
    case allocationFailed(Errno, bytes: Int)

    /// True for the failures that no other engine can avoid (out of threads or memory).
    public var isResourceFailure: Bool {
        switch self {
        case .threadFailed, .allocationFailed: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .setupFailed(e, slots):
            var s = "cannot set up Linux AIO with \(slots) slots: \(e)"
            if e.rawValue == EAGAIN_value { s += " — fs.aio-max-nr is used up; use fewer --slots or --engine threads" }
            if e.rawValue == ENOSYS_value { s += " — this kernel has no native AIO; use --engine threads" }
            return s
        case .shutDown:
            return "the I/O engine has been shut down"
        case let .bufferTooSmall(length, buffer):
            return "request of \(length) B does not fit a \(buffer)-byte buffer"
        case let .threadFailed(e, name):
            return "cannot start thread \(name): \(e) — out of memory or threads (ulimit -v / -u?)"
        case let .allocationFailed(e, bytes):
            return "cannot allocate a \(bytes)-byte buffer: \(e) — out of memory (ulimit -v?)"
        }
    }
}

private let EAGAIN_value = Errno.EAGAIN.rawValue
private let ENOSYS_value = Errno.ENOSYS.rawValue
