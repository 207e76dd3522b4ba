/// The part of the media to hash: `offset` and `length` in bytes.
public struct HashRange: Sendable, Equatable {
    public var offset: Int64
    public var length: Int64

    public init(offset: Int64, length: Int64) {
        self.offset = offset
        self.length = length
    }

    /// `--offset` and `--length` checked against the media size; nil length
    /// means to the end.
    public static func resolve(offset: Int64?, length: Int64?, size: Int64) throws(HashRangeError) -> HashRange {
        let o = offset ?? 0
        guard o >= 0, o <= size else { throw HashRangeError("--offset \(o) is outside the media (0…\(size) bytes)") }
        let l = length ?? (size - o)
        guard l >= 0 else { throw HashRangeError("--length must not be negative (got \(l))") }
        guard l <= size - o else {
            throw HashRangeError("--offset \(o) + --length \(l) = \(o + l) is past the end of the media (\(size) bytes)")
        }
        return HashRange(offset: o, length: l)
    }
}

/// An `--offset`/`--length` outside the media.
public struct HashRangeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// A read that failed while hashing: where, how long, and why.
public struct HashReadError: Sendable, Equatable, CustomStringConvertible {
    public var offset: Int64
    public var length: Int
    public var message: String

    public init(offset: Int64, length: Int, message: String) {
        self.offset = offset
        self.length = length
        self.message = message
    }

    public var description: String {
        "read error at 0x\(String(offset, radix: 16)) (\(length) B): \(message)"
    }
}

/// What one pass of `MediaHasher` found.
public struct HashReport: Sendable, Equatable {
    public var range: HashRange
    /// Lowercase hex digests by algorithm; empty when a read failed (a digest
    /// over bytes that could not be read would certify nothing).
    public var digests: [HashAlgorithm: String]
    /// Every read that failed, in offset order.
    public var readErrors: [HashReadError]
    /// Wall time of the pass.
    public var seconds: Double
    /// Bytes of the range in holes of a sparse file or export (SEEK_DATA,
    /// NBD zero extents): hashed as the zeros they read as, not read.
    public var holeBytes: Int64

    public init(range: HashRange, digests: [HashAlgorithm: String], readErrors: [HashReadError], seconds: Double,
                holeBytes: Int64 = 0) {
        self.holeBytes = holeBytes
        self.range = range
        self.digests = digests
        self.readErrors = readErrors
        self.seconds = seconds
    }

    /// Every byte of the range was read and hashed.
    public var isComplete: Bool { readErrors.isEmpty && !digests.isEmpty }

    /// Bytes per second over the pass.
    public var bytesPerSecond: Double { seconds > 0 ? Double(range.length) / seconds : 0 }
}

/// How `MediaHasher` reads: chunk size, buffers, reads in flight, and
/// whether its threads yield to everything else (the viewer's background hash).
public struct HashTuning: Sendable, Equatable {
    /// Bytes per read (rounded up to the source's alignment).
    public var chunkSize: Int
    /// Reads in flight at most.
    public var depth: Int
    /// Chunk buffers (at least `depth`): how far the fastest lane may run
    /// ahead of the slowest.
    public var buffers: Int
    /// Lane threads run under SCHED_IDLE: the UI and the page cache go first.
    public var background: Bool
    /// Chunks of an image file that the page cache holds are copied from it
    /// rather than read from the disk again with O_DIRECT.
    public var warmReads: Bool
    /// Lane threads at most (algorithms share a thread beyond that). The
    /// viewer's pass uses one: measured here, two SCHED_IDLE threads busy on
    /// both cores still raise the UI's key-to-frame p99 about 3x (2.8-3.6 ms
    /// against 1.0 ms, with plain busy loops as well as with the hash); one
    /// leaves it within 1.3x.
    public var maxLanes: Int

    public init(chunkSize: Int = 1 << 20, depth: Int = 8, buffers: Int = 32, background: Bool = false,
                warmReads: Bool = true, maxLanes: Int = .max) {
        self.chunkSize = chunkSize
        self.depth = depth
        self.buffers = max(buffers, depth)
        self.background = background
        self.warmReads = warmReads
        self.maxLanes = max(1, maxLanes)
    }

    /// `hash`: 1 MiB reads, 8 in flight (the fastest O_DIRECT figure measured
    /// on this virtio disk; more bytes in flight were slower, not faster), 32
    /// buffers so that a lane the scheduler parks does not stall the others.
    public static let command = HashTuning()
    /// The viewer's `--hash`: 1 MiB reads, 4 in flight, one idle-priority
    /// thread for every algorithm (a core stays free for the screen).
    public static let viewer = HashTuning(chunkSize: 1 << 20, depth: 4, buffers: 8, background: true, maxLanes: 1)
}
