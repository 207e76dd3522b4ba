import BlockDevice
import LinuxAIO

/// The one search engine, for `blkview search` (every occurrence in the whole
/// media) and the viewer's `/` and `n` (the first occurrence from the cursor
/// on) and `N` (the last one before it).
///
/// Every run plans the ranges to read from the read path's hole map as it is
/// now (holes skipped on regular files unless the pattern is all zero bytes:
/// `DataExtents.scanRanges`), reads them through `MediaReader` in its class
/// (`.background`: a viewer's pages go first) with the `ChunkReader`
/// pipeline, and scans them with `MatchScanner`: overlapping occurrences are
/// all reported, occurrences that straddle two chunks are found, and an
/// unreadable range is read again in halves down to the sector, skipped
/// (never taken as zeros; no match is made across it) and reported in
/// `Outcome.unreadable`. Nothing is kept between runs: a run after a write
/// sees the new bytes. Cancelling the task stops a run between chunks (the
/// reads in flight are cancelled and waited for).
///
/// Backward, the chunks are walked from the cursor toward offset 0 (each
/// overlapping the one above by `m - 1` bytes, `SearchPlan.backward`), each
/// is scanned and its last match is taken.
public struct PatternSearch {
    public let pattern: [UInt8]
    /// Bytes per read and reads in flight.
    public var chunk = 8 << 20
    public var depth = 4
    /// Copy chunks the page cache holds instead of reading them again
    /// (regular files, when the reader was made with `residentReads`).
    public var useWarmReads = true
    /// Skip holes of regular files (SEEK_DATA/SEEK_HOLE).
    public var skipHoles = true
    /// The read path's class of the search's reads.
    public var readClass: ReadClass = .background
    /// Only occurrences that start in this range (`search --offset/--length`).
    public var window: Range<Int64>?

    /// What a run did.
    public struct Outcome: Sendable, Equatable {
        /// Occurrences reported (up to the stop).
        public var count: Int
        /// Bytes scanned (holes skipped are not counted).
        public var bytesScanned: Int64
        /// The bytes the planned ranges hold (what a full run scans).
        public var bytesPlanned: Int64
        /// The ranges that could not be read, at their real size (a failed
        /// chunk is read again in halves down to the alignment), in order.
        public var unreadable: [Unreadable] = []
    }

    /// A range the search went past because it could not be read.
    public struct Unreadable: Sendable, Equatable {
        public var range: Range<Int64>
        /// The error of its first read (one line).
        public var message: String
    }

    public init(pattern: [UInt8]) {
        precondition(!pattern.isEmpty, "empty pattern")
        self.pattern = pattern
    }

    /// The pattern with its bytes in the other order, for a 2-, 4- or 8-byte
    /// pattern that is not its own reverse (a number typed big-endian that the
    /// media stores little-endian); else nil.
    public static func byteSwapped(_ pattern: [UInt8]) -> [UInt8]? {
        guard [2, 4, 8].contains(pattern.count) else { return nil }
        let r = Array(pattern.reversed())
        return r == pattern ? nil : r
    }

    /// The alignment of the planned ranges.
    private func alignment(_ media: MediaReader) -> Int { max(media.geometry.alignment.offset, 4096) }

    /// The ranges a search of the media reads (holes skipped where the read
    /// path knows them), in increasing order.
    public func ranges(of media: MediaReader) -> [Range<Int64>] {
        let size = media.geometry.size
        let data = skipHoles ? media.dataExtents() : nil
        let all = DataExtents.scanRanges(data: data, size: size, pattern: pattern, alignment: alignment(media))
        guard let w = window else { return all }
        // A match starting before the window's end may run past it.
        let hi = min(size, w.upperBound + Int64(max(0, pattern.count - 1)))
        return all.compactMap { r in
            let lo = max(r.lowerBound, w.lowerBound), up = min(r.upperBound, hi)
            return lo < up ? lo..<up : nil
        }
    }

    /// Scans forward from `from` (every match starting at or after it).
    /// `onMatch` gets each start offset in increasing order and returns false
    /// to stop; `afterChunk` gets the bytes scanned so far and planned and
    /// returns false to stop (e.g. the output's reader went away).
    public func run(_ media: MediaReader, from: Int64 = 0, onMatch: (Int64) -> Bool,
                    afterChunk: (_ scanned: Int64, _ planned: Int64) throws -> Bool = { _, _ in true }) async throws -> Outcome {
        let plan = SearchPlan.forward(ranges(of: media), from: max(0, from))
        let bytes = plan.reduce(Int64(0)) { $0 + Int64($1.count) }
        return try await scan(media, plan: plan, bytes: bytes, chunk: chunk, backward: false, onMatch: onMatch,
                              afterChunk: afterChunk)
    }

    /// The last match starting at or before `through`, walking chunks from
    /// there toward offset 0; nil when there is none.
    public func last(in media: MediaReader, atOrBefore through: Int64,
                     afterChunk: (_ scanned: Int64, _ planned: Int64) throws -> Bool = { _, _ in true })
        async throws -> (match: Int64?, outcome: Outcome) {
        let a = alignment(media)
        let chunk = SearchPlan.chunkSize(chunk, patternLength: pattern.count, alignment: a)
        let ranges = ranges(of: media)
        let plan = SearchPlan.backward(ranges, through: through, patternLength: pattern.count, chunk: chunk, alignment: a)
        let bytes = SearchPlan.backwardBytes(ranges, through: through, patternLength: pattern.count)
        var hit: Int64?
        let outcome = try await scan(media, plan: plan, bytes: bytes, chunk: chunk, backward: true,
                                     onMatch: { hit = $0; return false }, afterChunk: afterChunk)
        return (hit, outcome)
    }

    /// The next match from `from` (inclusive) in the direction asked: the
    /// viewer's `n` and `N`.
    public func next(in media: MediaReader, from: Int64, forward: Bool,
                     afterChunk: (_ scanned: Int64, _ planned: Int64) throws -> Bool = { _, _ in true })
        async throws -> (match: Int64?, outcome: Outcome) {
        guard forward else { return try await last(in: media, atOrBefore: from, afterChunk: afterChunk) }
        var hit: Int64?
        let outcome = try await run(media, from: from, onMatch: { hit = $0; return false }, afterChunk: afterChunk)
        return (hit, outcome)
    }

    /// Reads `plan` in order and scans it. Forward, every match goes to
    /// `onMatch` as it is found; backward (each planned range a chunk of the
    /// reverse walk), only the last match of each range, when the range ends
    /// (or, when its end could not be read, when the next range begins).
    private func scan(_ media: MediaReader, plan: some Sequence<Range<Int64>>, bytes: Int64, chunk: Int,
                      backward: Bool, onMatch: (Int64) -> Bool,
                      afterChunk: (Int64, Int64) throws -> Bool) async throws -> Outcome {
        let reader = ChunkReader(reader: media, plan: plan, totalBytes: bytes, chunk: chunk, depth: depth,
                                 readClass: readClass, warm: useWarmReads)
        reader.recover = true  // go on past unreadable ranges; they are reported
        let planned = reader.totalBytes
        var scanner = MatchScanner(pattern: pattern)
        var outcome = Outcome(count: 0, bytesScanned: 0, bytesPlanned: planned)
        var stop = false
        var range = -1
        var lastInRange: Int64?  // backward: the last match of the range being scanned
        func report(_ at: Int64) -> Bool {
            outcome.count += 1
            return onMatch(at)
        }
        do {
            while !stop, let c = try await reader.next() {
                if c.range != range {
                    if let l = lastInRange {
                        lastInRange = nil
                        if !report(l) { break }
                    }
                    range = c.range
                    scanner.reset(at: c.offset)
                } else if c.startsRange {
                    scanner.reset(at: c.offset)  // after an unreadable gap: no match across it
                }
                let more = scanner.scan(c.bytes) { at in
                    if let w = window, at >= w.upperBound { return true }
                    guard backward else { return report(at) }
                    lastInRange = at
                    return true
                }
                outcome.bytesScanned += Int64(c.bytes.count)
                stop = !more
                if c.endsRange, let l = lastInRange {  // backward: the chunk's last match, without waiting for the next
                    lastInRange = nil
                    stop = stop || !report(l)
                }
                // Backward chunks overlap: never more than all of it.
                if try !afterChunk(outcome.bytesScanned, max(planned, outcome.bytesScanned)) { stop = true }
            }
            if !stop, let l = lastInRange { _ = report(l) }
        } catch {
            await reader.finish()
            throw error
        }
        await reader.finish()
        outcome.unreadable = reader.unreadable.map { Unreadable(range: $0.range, message: "\($0.error)") }
        return outcome
    }
}
