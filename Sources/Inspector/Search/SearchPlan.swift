/// Which byte ranges a search reads, in the order it reads them (the ranges
/// `ChunkReader` is given). Both directions start from the scan ranges of
/// `DataExtents.scanRanges` (holes skipped), in which every occurrence lies
/// wholly inside exactly one range.
enum SearchPlan {
    /// Forward, for the matches that start at or after `from`: the scan
    /// ranges with the first one cut at `from` (a match starting there lies
    /// wholly after it).
    static func forward(_ ranges: [Range<Int64>], from: Int64) -> [Range<Int64>] {
        ranges.compactMap { r in
            let lo = max(r.lowerBound, from)
            return lo < r.upperBound ? lo..<r.upperBound : nil
        }
    }

    /// Backward, for the matches that start at or before `through`: chunks
    /// walked from `through` toward offset 0, the last range first. A chunk
    /// owns the starts from its lower bound up to the lower bound of the chunk
    /// planned before it (`owned`), and reads `m - 1` bytes past that so that
    /// a match straddling the two is found, once, in the lower chunk.
    ///
    /// Each chunk's aligned read is at most `chunk` bytes: its lower bound is
    /// `chunk` below its aligned end (or the range's start). `chunk` must be a
    /// multiple of `alignment` of at least `m - 1 + alignment` bytes (then
    /// every chunk owns at least one start), and the ranges' lower bounds
    /// multiples of `alignment` (as `scanRanges` makes them).
    static func backward(_ ranges: [Range<Int64>], through: Int64, patternLength m: Int,
                         chunk: Int, alignment: Int) -> BackwardChunks {
        precondition(Int64(chunk) >= Int64(m - 1) + Int64(alignment) && chunk % alignment == 0,
                     "chunk too small for the pattern")
        return BackwardChunks(ranges: ranges.filter { $0.lowerBound <= through }, through: through,
                              overlap: Int64(m - 1), chunk: Int64(chunk), alignment: Int64(alignment))
    }

    /// The bytes a backward plan reads, near enough for progress: the scan
    /// ranges up to `through` and the overlap past it (the overlaps between
    /// chunks are not counted).
    static func backwardBytes(_ ranges: [Range<Int64>], through: Int64, patternLength m: Int) -> Int64 {
        ranges.reduce(0) { sum, r in
            let (end, overflow) = through.addingReportingOverflow(Int64(m))
            return r.lowerBound <= through ? sum + (overflow ? r.upperBound : min(r.upperBound, end)) - r.lowerBound : sum
        }
    }

    /// The chunks of `backward`, made as they are read (a whole device's
    /// worth would not fit in memory).
    struct BackwardChunks: Sequence, IteratorProtocol {
        var ranges: [Range<Int64>]  // those with a start at or before `through`, in increasing order
        let through: Int64
        let overlap: Int64
        let chunk: Int64
        let alignment: Int64
        /// Starts below this belong to the next chunk; nil: start the next range (the last of `ranges`).
        private var owned: Int64?

        init(ranges: [Range<Int64>], through: Int64, overlap: Int64, chunk: Int64, alignment: Int64) {
            self.ranges = ranges
            self.through = through
            self.overlap = overlap
            self.chunk = chunk
            self.alignment = alignment
        }

        mutating func next() -> Range<Int64>? {
            while let r = ranges.last {
                let hi = owned ?? Swift.min(r.upperBound, through + 1)
                guard hi > r.lowerBound else {
                    ranges.removeLast()
                    owned = nil
                    continue
                }
                let end = Swift.min(r.upperBound, hi + overlap)
                let alignedEnd = (end + alignment - 1) / alignment * alignment
                let lo = Swift.max(r.lowerBound, alignedEnd - chunk)
                owned = lo
                return lo..<end
            }
            return nil
        }
    }

    /// `chunk` made usable for a pattern of `m` bytes: a multiple of
    /// `alignment`, and large enough to own a start past the overlap.
    static func chunkSize(_ chunk: Int, patternLength m: Int, alignment a: Int) -> Int {
        let overlap = (m - 1 + a - 1) / a * a
        return Swift.max(chunk / a * a, overlap + a)
    }
}
