/// Which ranges a search must read, given where the media has data (the
/// read path's hole map, `MediaReader.dataExtents()`).
public enum DataExtents {
    /// The ranges to scan for `pattern` in a source of `size` bytes whose data
    /// is `data`: each data range widened by `m - 1` bytes on both sides (a
    /// match touching a hole edge reads the hole's zeros from the file),
    /// rounded out to `alignment`, clamped to the size and merged when they
    /// touch. Every occurrence lies wholly inside exactly one returned range,
    /// so a scan of each range finds each occurrence once. A pattern of zero
    /// bytes only can match inside a hole: then the whole source.
    public static func scanRanges(data: [Range<Int64>]?, size: Int64, pattern: [UInt8], alignment: Int) -> [Range<Int64>] {
        guard size > 0 else { return [] }
        guard let data, !pattern.allSatisfy({ $0 == 0 }) else { return [0..<size] }
        let m = Int64(pattern.count - 1)
        let a = Int64(max(alignment, 1))
        var out: [Range<Int64>] = []
        for r in data where !r.isEmpty {
            let lo = max(0, (r.lowerBound - m) / a * a)
            let hi = min(size, (r.upperBound + m + a - 1) / a * a)
            if let last = out.last, lo <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, hi)
            } else {
                out.append(lo..<hi)
            }
        }
        return out
    }
}
