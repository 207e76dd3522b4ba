// The one input of DiskFormats: bytes that the caller has already read.

/// Where the parsers get their bytes from. DiskFormats does no I/O: the caller
/// reads (or pre-reads) and answers synchronously.
///
/// Two ways to use it:
/// - wrap a blocking reader (pread on an image) and call ``DiskProbe/probe(_:)`` once;
/// - or pre-read a few ranges into a ``PrefetchedBytes`` (say the first 1 MiB
///   and the last 1 MiB), probe, then read the ranges listed in
///   ``DiskLayout/missingRanges`` into it and probe again, until that list is
///   empty or stops shrinking. Each round only discovers ranges that depend on
///   what the previous round found (partition starts, FAT root directories, …).
public protocol ByteSource {
    /// Size of the whole device or image in bytes.
    var size: Int64 { get }
    /// Exactly `count` bytes at absolute offset `offset`, or `nil` when they
    /// are not available (not pre-read, unreadable, or past the end).
    func bytes(at offset: Int64, count: Int) -> [UInt8]?
}

/// A byte range on the device: `offset` and `length` in bytes.
public struct ByteRange: Sendable, Hashable, CustomStringConvertible {
    /// Absolute offset in bytes.
    public var offset: Int64
    /// Length in bytes.
    public var length: Int64
    /// Creates a range.
    public init(offset: Int64, length: Int64) {
        self.offset = offset
        self.length = length
    }
    /// One past the last byte (saturating).
    public var end: Int64 { offset.addingSaturating(length) }
    /// `0x400+512`.
    public var description: String { "0x\(String(offset, radix: 16))+\(length)" }
}

/// A ``ByteSource`` made of chunks the caller already holds in memory.
///
/// A request is answered when one chunk covers it entirely.
public struct PrefetchedBytes: ByteSource, Sendable {
    /// Size of the whole device in bytes.
    public var size: Int64
    /// The chunks, each at its absolute offset.
    public private(set) var chunks: [(offset: Int64, bytes: [UInt8])] = []
    /// Each chunk's start and end, apart from the bytes: a lookup scans these
    /// without copying (and retaining) the chunks — a probe after hundreds of
    /// EBR rounds holds hundreds of chunks.
    private var starts: [Int64] = []
    private var ends: [Int64] = []

    /// An empty set of chunks for a device of `size` bytes.
    public init(size: Int64) {
        self.size = max(0, size)
    }

    /// A whole small image held in memory.
    public init(image: [UInt8]) {
        self.size = Int64(image.count)
        self.chunks = [(0, image)]
        starts = [0]
        ends = [Int64(image.count)]
    }

    /// Adds bytes read at `offset` (later chunks win over earlier ones); a
    /// negative offset is ignored. Bytes that directly follow or precede a
    /// chunk join it when no newer chunk overlaps them (the answer is the
    /// same, and a range spanning both is then answered).
    public mutating func add(_ bytes: [UInt8], at offset: Int64) {
        guard offset >= 0 else { return }
        let end = offset.addingSaturating(Int64(bytes.count))
        var i = starts.count - 1
        while i >= 0, !bytes.isEmpty {
            if ends[i] == offset || starts[i] == end {
                if ends[i] == offset { chunks[i].bytes += bytes; ends[i] = end } else {
                    chunks[i].bytes = bytes + chunks[i].bytes
                    chunks[i].offset = offset
                    starts[i] = offset
                }
                return
            }
            // A newer chunk overlapping the new bytes must stay below them: no merge past it.
            if starts[i] < end && offset < ends[i] { break }
            i -= 1
        }
        chunks.append((offset, bytes))
        starts.append(offset)
        ends.append(end)
    }

    /// Answers from the most recently added chunk that covers the request.
    public func bytes(at offset: Int64, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0 else { return nil }
        let end = offset.addingSaturating(Int64(count))
        guard end <= size else { return nil }
        var i = starts.count - 1
        while i >= 0 {
            if starts[i] <= offset && end <= ends[i] {
                let start = Int(offset - starts[i])
                return Array(chunks[i].bytes[start..<(start + count)])
            }
            i -= 1
        }
        return nil
    }
}

extension Int64 {
    /// `self + other`, clamped to `Int64.max` / `Int64.min` instead of trapping.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (value, overflow) = addingReportingOverflow(other)
        if overflow { return other > 0 ? .max : .min }
        return value
    }

    /// `self * other`, clamped instead of trapping.
    func multipliedSaturating(_ other: Int64) -> Int64 {
        let (value, overflow) = multipliedReportingOverflow(by: other)
        if overflow { return (self < 0) == (other < 0) ? .max : .min }
        return value
    }
}

extension UInt64 {
    /// The value as `Int64`, clamped to `Int64.max`.
    var clampedInt64: Int64 { self > UInt64(Int64.max) ? .max : Int64(self) }
}
