import BlockDevice
import LinuxAIO

/// Reads ranges of a source in the order given, each front to back in big
/// aligned chunks, keeping `depth` reads in flight at the kernel while the
/// caller works on the chunk it was given (the pipeline of `dump` and of the one search
/// engine, `PatternSearch`: `blkview search` and the viewer's `/`, `n`, `N`).
/// The ranges may come in any order and may overlap (a backward search plans
/// its chunks from the cursor toward offset 0, each overlapping the one read
/// before it): each range is read and handed out on its own.
///
/// Reads go through the read path (`MediaReader`, background class by
/// default, so a viewer's pages go first); with `warm`, a chunk the kernel's
/// page cache already holds is copied from it (`MediaReader.readResident`)
/// instead (an O_DIRECT read would go to the disk again), on the
/// caller's thread in pieces of `warmPiece` bytes that stay in the CPU cache
/// while the caller works on them (as grep reads): no thread hand-off, and
/// the bytes are read from memory once.
///
/// A read that returns fewer bytes than planned before the media's end is
/// read again from where it stopped; a read that still fails is an error
/// for exactly the bytes it did not get (never a silently short range). With
/// `recover`, a failed read is retried in halves down to the alignment: the
/// readable pieces are handed out (the first after a gap `startsRange`) and
/// the unreadable ones are collected in `unreadable`.
///
/// The engine reads are made by `depth` workers (`ChunkPump`) that submit the
/// next planned read the moment one completes, into a ring of `depth +
/// readAhead` buffers: a caller that lags a little behind never leaves the
/// disk idle, and the caller's pace does not decide the disk's queue.
///
/// Not `Sendable`: one task calls `next()`; the reads run in the workers.
public final class ChunkReader {
    /// One piece of a range: `bytes` are the range's bytes at `offset`, valid
    /// until the next call to `next()` (until `keepPrevious` more calls, for
    /// a chunk the engine read).
    public struct Chunk {
        public let offset: Int64
        public let bytes: UnsafeRawBufferPointer
        /// The first chunk of its range, or the first after an unreadable
        /// gap (a scanner resets its carry).
        public let startsRange: Bool
        /// The index, in the `ranges` given to `init`, of the range the bytes belong to.
        public let range: Int
        /// The bytes reach the end of their range (nothing more of it follows).
        public let endsRange: Bool
    }

    private struct Planned {
        let offset: Int64  // aligned
        let length: Int  // aligned
        let clip: Range<Int64>  // the part of the range inside this read
        let startsRange: Bool
        let range: Int  // index in the ranges given
        let rangeEnd: Int64
    }

    private let reader: MediaReader
    private let readClass: ReadClass
    private let warm: Bool
    private let chunk: Int
    private let depth: Int
    private let alignment: Int
    /// The ranges still to plan (numbered in the order given), and where the
    /// next read of the current one starts: reads are planned as they are
    /// issued, so a 16 TiB device costs no memory for its plan.
    private var ranges: AnyIterator<(Int, Range<Int64>)>
    private var currentRange: (index: Int, lo: Int64, hi: Int64, pos: Int64)?
    private var planDone = false
    /// Planned reads in order: an engine read queued or in flight (its job's
    /// number in the pump), or a resident chunk (nil) that `next()` copies
    /// piece by piece.
    private var inFlight: [(Planned, AlignedBuffer?, UInt64?)] = []
    /// Engine reads planned and not yet handed out (each holds a ring buffer).
    private var engineInFlight = 0
    private var pump: ChunkPump?
    private var nextSeq: UInt64 = 0
    /// Bytes of the head (resident) entry already handed out.
    private var warmDone = 0
    private let warmPiece = 256 << 10
    private var warmBuffer: AlignedBuffer?
    private var scratch: AlignedBuffer?
    private var free: [AlignedBuffer] = []
    private var current: AlignedBuffer?
    /// Pieces of a recovered read still to hand out (they point into `current`).
    private var recovered: [Chunk] = []
    /// Go on past unreadable ranges (collected in `unreadable`) instead of throwing.
    public var recover = false
    /// Read into buffers on 2 MiB pages (as `bench` does): an O_DIRECT read then
    /// pins a few huge pages instead of a thousand small ones, and reaches the
    /// device in fewer segments (`map --full`, whose reads must keep up with `bench`).
    public var hugePages = false
    /// Buffers beyond `depth` that completed reads may fill while the caller
    /// works (set before the first `next()`; default `depth`).
    public var readAhead: Int
    /// How many chunks read by the engine stay valid after the next call to
    /// `next()`: a caller that still works on chunk k (the map's tally on its
    /// lanes) while it takes chunk k + 1, with no barrier between the two.
    /// Chunks copied from the page cache (`warm`) are valid until the next
    /// call only. Default 0.
    public var keepPrevious = 0
    /// Buffers of chunks handed out and kept valid (`keepPrevious`), oldest first.
    private var kept: [AlignedBuffer] = []
    /// With `recover`: the unreadable ranges met so far, merged, in order, and the first error of each.
    public private(set) var unreadable: [(range: Range<Int64>, error: any Error)] = []
    /// Bytes read from the disk through the engine, and copied from the page cache.
    public private(set) var engineBytes: Int64 = 0
    public private(set) var warmBytes: Int64 = 0

    /// - Parameters:
    ///   - ranges: read in this order, each one on its own (they may overlap);
    ///     clamped to the size.
    ///   - chunk: bytes per read (rounded to the alignment).
    ///   - depth: reads in flight at most (at least 1).
    ///   - readClass: the read path's class of these reads (batch work: `.background`).
    ///   - warm: copy chunks the kernel's page cache holds (the reader must
    ///     have been made with `residentReads`).
    public convenience init(reader: MediaReader, ranges: [Range<Int64>], chunk: Int = 4 << 20, depth: Int = 4,
                            readClass: ReadClass = .background, warm: Bool = false) {
        let size = reader.geometry.size
        let total = ranges.reduce(Int64(0)) { $0 + max(0, min(size, $1.upperBound) - max(0, $1.lowerBound)) }
        self.init(reader: reader, plan: ranges, totalBytes: total, chunk: chunk, depth: depth, readClass: readClass, warm: warm)
    }

    /// The same, with the ranges produced as they are needed (a backward
    /// search's chunks over a whole device); `totalBytes` is what the caller
    /// expects them to hold (for progress).
    public init<Plan: Sequence<Range<Int64>>>(reader: MediaReader, plan: Plan, totalBytes: Int64, chunk: Int = 4 << 20,
                                              depth: Int = 4, readClass: ReadClass = .background, warm: Bool = false) {
        self.reader = reader
        self.readClass = readClass
        self.warm = warm
        let a = max(reader.geometry.alignment.offset, 512)
        alignment = a
        self.chunk = max(a, chunk / a * a)
        self.depth = max(1, min(depth, reader.limits.total))
        readAhead = self.depth
        self.totalBytes = totalBytes
        // A size from a hostile container (an EWF header) near Int64.max would
        // overflow the plan's arithmetic: refuse it at the first next().
        let headroom = Int64(self.chunk) + Int64(a)
        if reader.geometry.size > Int64.max - headroom {
            sizeError = MediaSizeError(path: reader.path, size: reader.geometry.size, limit: Int64.max - headroom)
        }
        var it = plan.enumerated().makeIterator()
        ranges = AnyIterator { it.next().map { ($0.offset, $0.element) } }
    }

    /// The total bytes of the ranges (what `next()` will hand out).
    public let totalBytes: Int64
    private var sizeError: MediaSizeError?

    /// The next read of the plan, or nil when every range is planned.
    private func nextPlanned() -> Planned? {
        let a = Int64(alignment)
        let size = reader.geometry.size
        while !planDone {
            if let r = currentRange, r.pos < r.hi {
                let end = min(r.pos + Int64(chunk), (r.hi + a - 1) / a * a)
                currentRange = (r.index, r.lo, r.hi, end)
                return Planned(offset: r.pos, length: Int(end - r.pos), clip: max(r.lo, r.pos)..<min(r.hi, end),
                               startsRange: r.pos <= r.lo, range: r.index, rangeEnd: r.hi)
            }
            guard let (index, r) = ranges.next() else {
                planDone = true
                break
            }
            let lo = max(0, r.lowerBound)
            let hi = min(size, r.upperBound)
            if lo < hi { currentRange = (index, lo, hi, lo / a * a) }
        }
        return nil
    }

    /// The next chunk in order, or nil at the end. Throws the read's error.
    public func next() async throws -> Chunk? {
        try Task.checkCancellation()  // Ctrl-C under --forensic, Esc in the viewer
        if let sizeError { throw sizeError }
        if !recovered.isEmpty { return recovered.removeFirst() }
        if let e = pendingError {
            pendingError = nil
            throw e
        }
        if let c = current {
            kept.append(c)
            current = nil
            while kept.count > keepPrevious { free.append(kept.removeFirst()) }
        }
        try fill()
        guard let (p, buf, seq) = inFlight.first else { return nil }
        guard let seq, let buf, let pump else { return try await nextWarmPiece(p) }
        inFlight.removeFirst()
        engineInFlight -= 1
        current = buf
        let expected = Int(min(Int64(p.length), reader.geometry.size - p.offset))
        var n = 0
        var readable = 0  // what the first read returned
        var failure: (any Error)?
        do {
            n = try await pump.outcome(seq).get()
            readable = n
            if n < expected { n = try await complete(at: p.offset, into: buf, from: n, to: expected) }
        } catch is CancellationError {
            current = nil  // its read may still be going on: never reuse the buffer
            throw CancellationError()
        } catch {
            failure = error
        }
        try fill()  // the slot just freed: keep `depth` reads going while the caller works
        if let failure {
            guard recover else {
                // Hand out the bytes read before the failure; the error comes next.
                let c = clip(p, base: buf.baseAddress, at: p.offset, count: readable / alignment * alignment,
                             startsRange: p.startsRange)
                guard !c.bytes.isEmpty else { throw failure }
                pendingError = failure
                return c
            }
            return try await recoverRead(p, buf: buf, expected: expected)
        }
        return clip(p, base: buf.baseAddress, at: p.offset, count: n, startsRange: p.startsRange)
    }

    /// A read of `to` bytes at `at` that returned `from`: reads the rest
    /// (from the aligned-down point it stopped) into `buf`; the count, or the
    /// error of the bytes that cannot be had.
    private func complete(at: Int64, into buf: AlignedBuffer, from: Int, to: Int) async throws -> Int {
        var got = from / alignment * alignment
        let scratch = try scratchBuffer()
        while got < to {
            let want = min(to - got, scratch.count)
            let n = try await reader.read(at: at + Int64(got), into: scratch, length: want, as: readClass)
            guard n > 0 else { throw ShortReadError(path: reader.path, range: at + Int64(got)..<at + Int64(to)) }
            buf.baseAddress.advanced(by: got).copyMemory(from: scratch.baseAddress, byteCount: n)
            got += n
            if n < want { got = got / alignment * alignment }  // reread from the aligned point
        }
        return to
    }

    private func scratchBuffer() throws -> AlignedBuffer {
        if let scratch { return scratch }
        let b = try AlignedBuffer(checked: chunk, alignment: max(reader.geometry.alignment.memory, 4096))
        scratch = b
        return b
    }

    /// Reads `p` again in halves down to the alignment; queues the readable
    /// pieces and records the unreadable ranges. Returns the first piece (or
    /// the next chunk when none of `p` could be read).
    private func recoverRead(_ p: Planned, buf: AlignedBuffer, expected: Int) async throws -> Chunk? {
        let scratch = try scratchBuffer()
        var good: [Range<Int>] = []  // relative to p.offset
        var pending: [Range<Int>] = [0..<expected]
        while let r = pending.popLast() {
            try Task.checkCancellation()
            do {
                let n = try await reader.read(at: p.offset + Int64(r.lowerBound), into: scratch, length: r.count, as: readClass)
                guard n == r.count else { throw ShortReadError(path: reader.path, range: p.offset + Int64(r.lowerBound + n)..<p.offset + Int64(r.upperBound)) }
                buf.baseAddress.advanced(by: r.lowerBound).copyMemory(from: scratch.baseAddress, byteCount: n)
                good.append(r)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if r.count <= alignment {
                    addUnreadable(p.offset + Int64(r.lowerBound)..<p.offset + Int64(r.upperBound), error)
                } else {
                    let mid = r.lowerBound + (r.count / 2 + alignment - 1) / alignment * alignment
                    pending.append(mid..<r.upperBound)  // popped after the lower half: in order
                    pending.append(r.lowerBound..<mid)
                }
            }
        }
        var previousEnd = 0
        for r in good {
            let piece = Planned(offset: p.offset + Int64(r.lowerBound), length: r.count, clip: p.clip,
                                startsRange: p.startsRange && r.lowerBound == 0, range: p.range,
                                rangeEnd: p.rangeEnd)
            let c = clip(piece, base: buf.baseAddress + r.lowerBound, at: piece.offset, count: r.count,
                         startsRange: piece.startsRange || r.lowerBound != previousEnd)
            previousEnd = r.upperBound
            if !c.bytes.isEmpty { recovered.append(c) }
        }
        if previousEnd != expected { gapBefore = true }  // the next chunk follows a gap
        if recovered.isEmpty {
            // Nothing of it readable: the next planned read starts after a gap.
            gapBefore = true
            return try await next()
        }
        return recovered.removeFirst()
    }

    private var gapBefore = false
    /// The error to throw at the next call (after the bytes read before it).
    private var pendingError: (any Error)?

    /// Records `r`, merged with the ranges it touches or overlaps (overlapping
    /// planned ranges meet the same bad sectors twice), keeping the list in order.
    private func addUnreadable(_ r: Range<Int64>, _ error: any Error) {
        if unreadable.last.map({ $0.range.upperBound < r.lowerBound }) ?? true {
            unreadable.append((r, error))  // in order (a forward read): nothing to merge
            return
        }
        var merged = r
        var firstError = error
        var kept: [(range: Range<Int64>, error: any Error)] = []
        for u in unreadable {
            if u.range.upperBound >= merged.lowerBound && u.range.lowerBound <= merged.upperBound {
                if u.range.lowerBound < merged.lowerBound { firstError = u.error }
                merged = min(u.range.lowerBound, merged.lowerBound)..<max(u.range.upperBound, merged.upperBound)
            } else {
                kept.append(u)
            }
        }
        let at = kept.firstIndex { $0.range.lowerBound > merged.lowerBound } ?? kept.count
        kept.insert((merged, firstError), at: at)
        unreadable = kept
    }

    /// The bytes of `p`'s range inside the `count` bytes read at `at` into `base`.
    private func clip(_ p: Planned, base: UnsafeMutableRawPointer, at: Int64, count n: Int, startsRange: Bool) -> Chunk {
        let lo = max(p.clip.lowerBound, at)
        let hi = max(lo, min(p.clip.upperBound, at + Int64(n)))
        let count = Int(hi - lo)
        let starts = startsRange || gapBefore
        if count > 0 { gapBefore = false }
        return Chunk(offset: lo, bytes: UnsafeRawBufferPointer(start: base + Int(max(0, lo - at)), count: count),
                     startsRange: starts, range: p.range, endsRange: count > 0 && hi == p.rangeEnd)
    }

    private func nextWarmPiece(_ p: Planned) async throws -> Chunk? {
        guard warm else { return nil }
        let buffer = try warmBuffer ?? AlignedBuffer(checked: warmPiece, alignment: 4096)
        warmBuffer = buffer
        let at = p.offset + Int64(warmDone)
        let len = min(warmPiece, p.length - warmDone)
        let expected = Int(min(Int64(len), reader.geometry.size - at))
        let first = p.startsRange && warmDone == 0
        warmDone += len
        if warmDone >= p.length {
            inFlight.removeFirst()
            warmDone = 0
        }
        var n = 0
        do {
            n = (try? reader.readResident(at: at, into: buffer, length: len, as: readClass)) ?? 0
            // Short (evicted, or an error): the engine reads the rest and says why.
            if n < expected { n = try await complete(at: at, into: buffer, from: n, to: expected) }
        } catch {
            guard recover else { throw error }
            let piece = Planned(offset: at, length: len, clip: p.clip, startsRange: first, range: p.range, rangeEnd: p.rangeEnd)
            current = nil
            let own = try AlignedBuffer(checked: chunk, alignment: max(reader.geometry.alignment.memory, 4096))
            current = own
            return try await recoverRead(piece, buf: own, expected: expected)
        }
        warmBytes += Int64(n)
        return clip(p, base: buffer.baseAddress, at: at, count: n, startsRange: first)
    }
    /// Cancels the reads not yet consumed and waits for them (a cancelled
    /// engine read keeps its buffer until the kernel is done with it).
    public func finish() async {
        await pump?.close()
        pump = nil
        current = nil
        inFlight.removeAll()
        engineInFlight = 0
        planDone = true
    }

    deinit { pump?.abandon() }

    private func fill() throws {
        // Engine reads planned up to the ring (the pump keeps `depth` of them
        // at the kernel); resident chunks queued cost nothing, but the
        // look-ahead is bounded.
        let ring = depth + max(0, readAhead)
        while engineInFlight < ring, inFlight.count < ring * 4, let p = nextPlanned() {
            if warm, reader.isResident(offset: p.offset, length: p.length) {
                inFlight.append((p, nil, nil))
                continue
            }
            let buf = try free.popLast()
                ?? (hugePages ? AlignedBuffer.hugePageSlices(count: 1, each: chunk)[0]
                              : AlignedBuffer(checked: chunk, alignment: max(reader.geometry.alignment.memory, 4096)))
            let pump = self.pump ?? ChunkPump(reader: reader, readClass: readClass, depth: depth,
                                              executor: reader.source.engine.preferredExecutor)
            self.pump = pump
            engineBytes += Int64(p.length)
            engineInFlight += 1
            nextSeq += 1
            pump.submit(ChunkPump.Job(seq: nextSeq, offset: p.offset, length: p.length, buffer: buf))
            inFlight.append((p, buf, nextSeq))
        }
    }
}

/// A read that returned fewer bytes than the media holds there, and then no
/// more: the bytes of `range` could not be read.
public struct ShortReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let range: Range<Int64>

    public var description: String {
        "cannot read \(path.terminalSafe) at 0x\(String(range.lowerBound, radix: 16)) (\(range.count) B): "
            + "short read before the end of the media (\(range.count) B missing up to 0x\(String(range.upperBound, radix: 16)))"
    }
}

/// A media whose size leaves no room for the reads' arithmetic (a hostile
/// container's header); nothing of it is read.
public struct MediaSizeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let size: Int64
    public let limit: Int64

    public var description: String {
        "cannot read \(path.terminalSafe): its size, \(size) B, is past the largest offset a read can address "
            + "(\(limit) B); the container's header is likely damaged"
    }
}
