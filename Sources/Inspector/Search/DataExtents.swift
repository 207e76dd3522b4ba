import Glibc

/// Where a regular file has data, from `lseek(SEEK_DATA/SEEK_HOLE)` on a plain
/// read-only O_NOATIME descriptor of its own, and which ranges a search must read.
public enum DataExtents {
    // Linux values; Glibc hides them behind _GNU_SOURCE.
    static let seekData: Int32 = 3
    static let seekHole: Int32 = 4
    static let noAtime: Int32 = 0o1000000  // O_NOATIME on Linux (x86-64 and arm64)

    /// The data ranges of the regular file at `path` within `0..<size`, in
    /// order; nil when the file system cannot say (then treat it all as data).
    public static func map(path: String, size: Int64) -> [Range<Int64>]? {
        // O_NOATIME like the source (a forensic run must not touch the
        // evidence's access time); EPERM when we do not own the file.
        var fd = open(path, O_RDONLY | O_CLOEXEC | noAtime)
        if fd < 0, errno == EPERM { fd = open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        var out: [Range<Int64>] = []
        var pos: Int64 = 0
        while pos < size {
            let d = lseek(fd, off_t(pos), seekData)
            if d < 0 {
                if errno == ENXIO { break }  // no data after pos
                return nil  // EINVAL: not supported here
            }
            if Int64(d) >= size { break }
            var h = Int64(lseek(fd, d, seekHole))
            if h < 0 { return nil }
            h = min(h, size)
            out.append(Int64(d)..<h)
            pos = h
        }
        return out
    }

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
