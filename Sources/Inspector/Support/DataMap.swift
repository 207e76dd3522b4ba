import DiskFormats

/// Where a media has data, from the read path's hole map (`SEEK_DATA`):
/// sorted, disjoint ranges; `nil` extents mean "data everywhere".
struct DataMap: Sendable {
    let extents: [Range<Int64>]?
    let size: Int64

    init(_ extents: [Range<Int64>]?, size: Int64) {
        self.extents = extents.map { $0.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound } }
        self.size = size
    }

    /// Index of the first extent ending after `offset`.
    private func firstEnding(after offset: Int64) -> Int {
        guard let e = extents else { return 0 }
        var lo = 0, hi = e.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if e[mid].upperBound <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Whether `r` holds any data.
    func intersects(_ r: Range<Int64>) -> Bool {
        guard let e = extents else { return true }
        let i = firstEnding(after: r.lowerBound)
        return i < e.count && e[i].lowerBound < r.upperBound
    }

    /// Whether any of a scan's windows at `offset` holds data.
    func touches(windowsAt offset: Int64) -> Bool {
        PartitionScan.windows.contains { w in
            let (lo, o1) = offset.addingReportingOverflow(w.offset)
            let (end, o2) = lo.addingReportingOverflow(w.length)
            // A window past the end of the media (or of Int64) holds nothing.
            guard !o1, lo < size else { return false }
            return intersects(lo..<(o2 ? size : min(size, end)))
        }
    }

    /// The start of the first data at or after `offset`, or nil.
    func nextData(after offset: Int64) -> Int64? {
        guard let e = extents else { return offset }
        let i = firstEnding(after: offset)
        return i < e.count ? max(offset, e[i].lowerBound) : nil
    }

    /// The parts of `r` that hold data.
    func dataRanges(in r: Range<Int64>) -> [Range<Int64>] {
        guard let e = extents else { return [r] }
        var out: [Range<Int64>] = []
        var i = firstEnding(after: r.lowerBound)
        while i < e.count, e[i].lowerBound < r.upperBound {
            out.append(max(r.lowerBound, e[i].lowerBound)..<min(r.upperBound, e[i].upperBound))
            i += 1
        }
        return out
    }
}
