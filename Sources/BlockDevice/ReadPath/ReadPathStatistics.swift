import Histogram
import LinuxAIO

/// One read the read path has handed to its source and not yet seen complete.
public struct ReadInFlight: Sendable, Equatable {
    public let readClass: ReadClass
    public let offset: Int64
    public let length: Int
    /// Nanoseconds since the read left its queue, when the snapshot was taken.
    public let ageNanoseconds: UInt64
    /// Where the bytes come from when the source is made of parts:
    /// `disk.002 +0x1f000`, `EWF chunk 1234`; nil for a single file.
    public let detail: String?
    /// The task that asked for it was cancelled; the source still owns the buffer.
    public let abandoned: Bool
}

/// Counters and distributions of one class.
public struct ReadClassStatistics: Sendable {
    public var completed = 0
    public var failed = 0
    public var bytes: Int64 = 0
    /// Reads waiting in this class's queue now.
    public var queued = 0
    /// Reads of this class in flight now.
    public var inFlight = 0
    /// Reads dropped from the queue because their task was cancelled.
    public var cancelledWhileQueued = 0
    /// Reads copied from the kernel's page cache instead (`readResident`).
    public var resident = 0
    public var residentBytes: Int64 = 0
    /// Service time in microseconds: from leaving the queue to completion.
    public var latency = ReadPathStatistics.histogram()
    /// Time spent queued in microseconds (how long priority kept it waiting).
    public var wait = ReadPathStatistics.histogram()
}

/// A consistent snapshot of the read path, cheap enough to take every frame.
public struct ReadPathStatistics: Sendable {
    /// What serves the reads: `aio ×32`, `threads ×32`, `ewf ×2 decoders (pread)`.
    public let engine: String
    public let limits: ReadLimits
    public let interactive: Bool
    /// In flight now, oldest first.
    public let inFlight: [ReadInFlight]
    /// Per class, indexed by `ReadClass.rawValue`.
    public let classes: [ReadClassStatistics]

    public subscript(_ c: ReadClass) -> ReadClassStatistics { classes[c.rawValue] }

    public var queued: Int { classes.reduce(0) { $0 + $1.queued } }
    public var completed: Int { classes.reduce(0) { $0 + $1.completed } }
    public var failed: Int { classes.reduce(0) { $0 + $1.failed } }

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .two)
    }
}
