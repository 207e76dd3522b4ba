import BlockDevice
import DiskFormats
import LinuxAIO

/// Feeds the pure `DiskProbe` from a source: reads the first and last MiB,
/// probes, reads what the probe says it is missing, and probes again until
/// nothing is missing (a few rounds at most). All reads are aligned and go
/// through the source's engine.
public enum StructureReader {
    public static let maxRounds = 6
    /// Never read more than this in total (a hostile table cannot make us read the disk).
    public static let maxBytes: Int64 = 64 << 20

    public static func probe(_ source: any BlockSource) async throws -> DiskLayout {
        let size = source.geometry.size
        var bytes = PrefetchedBytes(size: size)
        var wanted = [ByteRange(offset: 0, length: min(size, 1 << 20))]
        if size > 1 << 20 { wanted.append(ByteRange(offset: max(1 << 20, size - (1 << 20)), length: min(1 << 20, size - (1 << 20)))) }
        var read: Int64 = 0
        var layout = DiskLayout(size: size, sectorSize: source.geometry.logicalSectorSize, scheme: .none)
        for _ in 0..<maxRounds {
            for r in wanted where read < maxBytes {
                let (off, data) = try await readAligned(source, r)
                bytes.add(data, at: off)
                read += Int64(data.count)
            }
            layout = DiskProbe.probe(bytes, logicalSectorSize: source.geometry.logicalSectorSize)
            wanted = layout.missingRanges.filter { $0.offset < size && $0.length > 0 }
            if wanted.isEmpty || read >= maxBytes { break }
        }
        return layout
    }

    /// Reads `r` widened to the source's alignment, in pieces of at most
    /// 1 MiB; returns the widened start and the bytes (short at the end).
    static func readAligned(_ source: any BlockSource, _ r: ByteRange) async throws -> (Int64, [UInt8]) {
        let a = Int64(max(source.geometry.alignment.offset, 512))
        let start = r.offset / a * a
        let end = min((r.end + a - 1) / a * a, (source.geometry.size + a - 1) / a * a)
        var out: [UInt8] = []
        var at = start
        while at < end {
            let piece = Int(min(end - at, 1 << 20))
            let buf = AlignedBuffer(count: piece, alignment: max(source.geometry.alignment.memory, 4096))
            let n = try await source.read(at: at, into: buf, length: piece)
            out += buf.copyBytes(count: n)
            if n < piece { break }
            at += Int64(n)
        }
        return (start, out)
    }
}
