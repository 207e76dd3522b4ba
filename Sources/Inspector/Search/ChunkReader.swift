import BlockDevice
import LinuxAIO

/// Reads ranges of a source front to back in big aligned chunks, keeping
/// `depth` reads in flight while the caller works on the chunk it was given
/// (the batch commands' pipeline: `dump` formats, `search` scans).
///
/// Reads go through the source's engine (AioContext, O_DIRECT); with
/// `WarmReads`, a chunk the page cache already holds is copied from it
/// instead (the engine's O_DIRECT read would go to the disk again), on the
/// caller's thread in pieces of `warmPiece` bytes that stay in the CPU cache
/// while the caller works on them (as grep reads): no thread hand-off, and
/// the bytes are read from memory once.
///
/// Not `Sendable`: one task calls `next()`; the reads run in child tasks.
public final class ChunkReader {
    /// One piece of a range: `bytes` are the range's bytes at `offset`, valid
    /// until the next call to `next()`.
    public struct Chunk {
        public let offset: Int64
        public let bytes: UnsafeRawBufferPointer
        /// The first chunk of its range (a scanner resets its carry).
        public let startsRange: Bool
    }

    private struct Planned {
        let offset: Int64  // aligned
        let length: Int  // aligned
        let clip: Range<Int64>  // the part of the range inside this read
        let startsRange: Bool
    }

    private let source: any BlockSource
    private let warm: WarmReads?
    private let chunk: Int
    private let depth: Int
    private let alignment: Int
    private var plan: [Planned] = []
    private var nextPlanned = 0
    /// Planned reads in order: an engine read in flight, or a resident chunk
    /// (`task` nil) that `next()` copies piece by piece.
    private var inFlight: [(Planned, AlignedBuffer?, Task<Int, any Error>?)] = []
    private var engineInFlight = 0
    /// Bytes of the head (resident) entry already handed out.
    private var warmDone = 0
    private let warmPiece = 256 << 10
    private lazy var warmBuffer = AlignedBuffer(count: warmPiece, alignment: 4096)
    private var free: [AlignedBuffer] = []
    private var current: AlignedBuffer?
    /// Bytes read from the disk through the engine, and copied from the page cache.
    public private(set) var engineBytes: Int64 = 0
    public private(set) var warmBytes: Int64 = 0

    /// - Parameters:
    ///   - ranges: in increasing order, not overlapping; clamped to the size.
    ///   - chunk: bytes per read (rounded to the alignment).
    ///   - depth: reads in flight at most (at least 1).
    public init(source: any BlockSource, ranges: [Range<Int64>], chunk: Int = 4 << 20, depth: Int = 4,
                warm: WarmReads? = nil) {
        self.source = source
        self.warm = warm
        let a = max(source.geometry.alignment.offset, 512)
        alignment = a
        self.chunk = max(a, chunk / a * a)
        self.depth = max(1, min(depth, source.engine.slots))
        let size = source.geometry.size
        for r in ranges {
            let lo = max(0, r.lowerBound)
            let hi = min(size, r.upperBound)
            guard lo < hi else { continue }
            var pos = lo / Int64(a) * Int64(a)
            var first = true
            while pos < hi {
                let end = min(pos + Int64(self.chunk), (hi + Int64(a) - 1) / Int64(a) * Int64(a))
                plan.append(Planned(offset: pos, length: Int(end - pos), clip: max(lo, pos)..<min(hi, end),
                                    startsRange: first))
                first = false
                pos = end
            }
        }
    }

    /// The total bytes of the ranges (what `next()` will hand out).
    public var totalBytes: Int64 { plan.reduce(0) { $0 + Int64($1.clip.count) } }

    /// The next chunk in order, or nil at the end. Throws the read's error.
    public func next() async throws -> Chunk? {
        try Task.checkCancellation()  // Ctrl-C under --forensic, Esc in the viewer
        if let c = current {
            free.append(c)
            current = nil
        }
        fill()
        guard let (p, buf, task) = inFlight.first else { return nil }
        guard let task, let buf else { return try nextWarmPiece(p) }
        inFlight.removeFirst()
        engineInFlight -= 1
        let n = try await task.value
        current = buf
        fill()  // the slot just freed: keep `depth` reads going while the caller works
        return clip(p, base: buf.baseAddress, at: p.offset, count: n, startsRange: p.startsRange)
    }

    /// The bytes of `p`'s range inside the `count` bytes read at `at` into `base`.
    private func clip(_ p: Planned, base: UnsafeMutableRawPointer, at: Int64, count n: Int, startsRange: Bool) -> Chunk {
        let lo = max(p.clip.lowerBound, at)
        let hi = min(p.clip.upperBound, at + Int64(n))
        let count = Int(max(0, hi - lo))
        return Chunk(offset: lo, bytes: UnsafeRawBufferPointer(start: base + Int(max(0, lo - at)), count: count),
                     startsRange: startsRange)
    }

    private func nextWarmPiece(_ p: Planned) throws -> Chunk? {
        guard let warm else { return nil }
        let at = p.offset + Int64(warmDone)
        let len = min(warmPiece, p.length - warmDone)
        let n = try warm.read(at: at, into: warmBuffer, length: len)
        let first = p.startsRange && warmDone == 0
        warmDone += len
        if warmDone >= p.length || n < len {
            inFlight.removeFirst()
            warmDone = 0
        }
        warmBytes += Int64(n)
        return clip(p, base: warmBuffer.baseAddress, at: at, count: n, startsRange: first)
    }
    /// Cancels the reads not yet consumed and waits for them (a cancelled
    /// engine read keeps its buffer until the kernel is done with it).
    public func finish() async {
        for case let (_, _, t?) in inFlight { t.cancel() }
        for case let (_, _, t?) in inFlight { _ = try? await t.value }
        inFlight.removeAll()
        engineInFlight = 0
        nextPlanned = plan.count
    }

    private func fill() {
        // Engine reads in flight up to `depth`; resident chunks queued cost
        // nothing, but the look-ahead is bounded.
        while engineInFlight < depth, inFlight.count < depth * 8, nextPlanned < plan.count {
            let p = plan[nextPlanned]
            nextPlanned += 1
            if let warm, warm.isResident(offset: p.offset, length: p.length) {
                inFlight.append((p, nil, nil))
                continue
            }
            let buf = free.popLast() ?? AlignedBuffer(count: chunk, alignment: max(source.geometry.alignment.memory, 4096))
            let source = self.source
            engineBytes += Int64(p.length)
            engineInFlight += 1
            inFlight.append((p, buf, Task { try await source.read(at: p.offset, into: buf, length: p.length) }))
        }
    }
}
