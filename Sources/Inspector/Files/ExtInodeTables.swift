import BlockDevice
import DiskFormats

/// Where an ext2/3/4 file system keeps its inode tables (from the superblock
/// and the group descriptors), so that a byte in one names its inode, as
/// libtsk's own ext code computes it. Every value is hostile: sizes and
/// counts are checked, and a table that makes no sense is left out.
public struct ExtInodeTables: Sendable {
    struct Table: Sendable {
        var group: UInt64
        var start: Int64
        var end: Int64
    }

    let inodeSize: Int64
    let inodesPerGroup: UInt64
    /// Sorted by start.
    let tables: [Table]

    /// At most this many groups are read (a 16 TiB ext4 with 4 KiB blocks has 131,072).
    static let maxGroups: UInt64 = 1 << 20

    /// The inode whose record holds media byte `offset`, and the byte within the record.
    public func inode(at offset: Int64) -> (inode: UInt64, group: UInt64, within: Int64)? {
        var lo = 0
        var hi = tables.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tables[mid].start <= offset { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let t = tables[lo - 1]
        guard offset < t.end else { return nil }
        let index = UInt64((offset - t.start) / inodeSize)
        let (base, o) = t.group.multipliedReportingOverflow(by: inodesPerGroup)
        guard !o, index < inodesPerGroup else { return nil }
        return (base &+ index &+ 1, t.group, (offset - t.start) % inodeSize)
    }

    /// Parses the superblock (the 1024 bytes at `fsOffset + 1024`) and reads the descriptors.
    public static func load(_ media: MediaReader, fsOffset: Int64) async -> ExtInodeTables? {
        guard let (sbStart, sb) = try? await StructureReader.readAligned(media, ByteRange(offset: fsOffset + 1024, length: 1024)) else { return nil }
        let skip = Int(fsOffset + 1024 - sbStart)
        guard sb.count >= skip + 1024 else { return nil }
        let s = Array(sb[skip..<(skip + 1024)])
        func u16(_ o: Int) -> UInt64 { UInt64(s[o]) | UInt64(s[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt64 { u16(o) | u16(o + 2) << 16 }
        guard u16(56) == 0xEF53, u32(24) <= 6 else { return nil }
        let bs = Int64(1024) << Int64(u32(24))
        let is64 = u32(96) & 0x80 != 0
        let descSize = is64 ? max(32, Int(u16(0xFE))) : 32
        let inodeSize = u32(76) >= 1 ? Int64(u16(88)) : 128
        let ipg = u32(40)
        let bpg = u32(32)
        let first = u32(20)
        var blocks = u32(4)
        if is64 { blocks |= u32(0x150) << 32 }
        guard inodeSize >= 128, inodeSize <= bs, ipg > 0, bpg > 0, blocks > first, descSize <= 1024 else { return nil }
        let groups = (blocks - first + bpg - 1) / bpg
        guard groups <= maxGroups else { return nil }
        let (tableBytes, o1) = Int64(ipg).multipliedReportingOverflow(by: inodeSize)
        let (gdtAt, o2) = Int64(first + 1).multipliedReportingOverflow(by: bs)
        guard !o1, !o2, let (gStart, gdt) = try? await StructureReader.readAligned(
            media, ByteRange(offset: fsOffset + gdtAt, length: Int64(groups) * Int64(descSize))) else { return nil }
        let base = Int(fsOffset + gdtAt - gStart)
        var tables: [Table] = []
        for g in 0..<Int(groups) {
            let d = base + g * descSize
            guard d + descSize <= gdt.count else { break }
            func du32(_ o: Int) -> UInt64 {
                UInt64(gdt[d + o]) | UInt64(gdt[d + o + 1]) << 8 | UInt64(gdt[d + o + 2]) << 16 | UInt64(gdt[d + o + 3]) << 24
            }
            var block = du32(8)
            if is64 && descSize >= 64 { block |= du32(0x28) << 32 }
            guard block > 0, block < blocks, block <= UInt64(Int64.max) else { continue }
            let (off, o3) = Int64(block).multipliedReportingOverflow(by: bs)
            guard !o3 else { continue }
            let (start, o4) = off.addingReportingOverflow(fsOffset)
            let (end, o5) = start.addingReportingOverflow(tableBytes)
            guard !o4, !o5 else { continue }
            tables.append(Table(group: UInt64(g), start: start, end: end))
        }
        return ExtInodeTables(inodeSize: inodeSize, inodesPerGroup: ipg, tables: tables.sorted { $0.start < $1.start })
    }
}
