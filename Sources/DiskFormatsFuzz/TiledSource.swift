// A ByteSource that repeats a short input up to a declared size.
import DiskFormats

/// A device whose bytes repeat `tile`.
struct TiledSource: ByteSource {
    let tile: [UInt8]
    let size: Int64

    func bytes(at offset: Int64, count: Int) -> [UInt8]? {
        guard !tile.isEmpty, offset >= 0, count >= 0, offset <= size - Int64(count) else { return nil }
        // Start at the right phase, then double: few appends even for a 1 MiB read of a tiny tile.
        let phase = Int(offset % Int64(tile.count))
        var out = Array(tile[phase...]) + tile[..<phase]
        while out.count < count { out += out }
        out.removeLast(out.count - count)
        return out
    }
}
