// A ByteSource that repeats a short input up to a declared size.
import DiskFormats

/// A device whose bytes repeat `tile`.
struct TiledSource: ByteSource {
    let tile: [UInt8]
    let size: Int64

    func bytes(at offset: Int64, count: Int) -> [UInt8]? {
        guard !tile.isEmpty, offset >= 0, count >= 0, offset <= size - Int64(count) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var position = Int(offset % Int64(tile.count))
        while out.count < count {
            let n = min(tile.count - position, count - out.count)
            out += tile[position..<(position + n)]
            position = 0
        }
        return out
    }
}
