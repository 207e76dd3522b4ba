import Glibc
import LinuxAIO

/// A source that can say where its media has data (`SEEK_DATA`/`SEEK_HOLE`),
/// so that search, hash and the maps skip holes without reading them.
protocol HoleMapSource: BlockSource {
    /// The data ranges within `0..<geometry.size`, in order; nil when the
    /// file system cannot say (then every byte counts as data).
    func dataExtents() -> [Range<Int64>]?
}

enum HoleMap {
    // Linux values; Glibc hides them behind _GNU_SOURCE.
    static let seekData: Int32 = 3
    static let seekHole: Int32 = 4

    /// The data ranges of the regular file open on `fd` within `0..<size`,
    /// asked on the source's own descriptor (O_NOATIME where the source has
    /// it; no second open of the evidence). Reads use explicit offsets, so
    /// moving the descriptor's position here disturbs nothing.
    static func extents(fd: Int32, size: Int64) -> [Range<Int64>]? {
        var out: [Range<Int64>] = []
        var pos: Int64 = 0
        while pos < size {
            let d: Int64
            switch Syscall.retrying({ lseek(fd, off_t(pos), seekData) }) {
            case let .success(v): d = Int64(v)
            case let .failure(e) where e.rawValue == ENXIO: return out  // no data after pos
            case .failure: return nil  // EINVAL: the file system cannot say
            }
            if d >= size { break }
            guard case let .success(h) = Syscall.retrying({ lseek(fd, off_t(d), seekHole) }) else { return nil }
            let end = min(Int64(h), size)
            guard end > d else { return nil }  // a file system that contradicts itself
            out.append(d..<end)
            pos = end
        }
        return out
    }
}

extension FileSource: HoleMapSource {
    func dataExtents() -> [Range<Int64>]? {
        guard kind == .regularFile else { return nil }
        return HoleMap.extents(fd: file.fd, size: geometry.size)
    }
}

extension MediaReader {
    /// Where the media has data, in order; nil when the source cannot say
    /// (devices, EWF, file systems without SEEK_DATA): then all of it is data.
    public func dataExtents() -> [Range<Int64>]? {
        (source as? any HoleMapSource)?.dataExtents()
    }
}
