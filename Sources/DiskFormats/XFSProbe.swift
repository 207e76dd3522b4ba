// XFS superblock (big-endian, at offset 0).

/// XFS.
enum XFSProbe {
    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= 512, let b = r.read(base, 512), b.matches(0, "XFSB") else { return nil }
        let blockSize = b.u32be(4)
        let sectSize = b.u16be(102)
        // blkid's sanity checks, reduced: power-of-two block and sector sizes in range.
        guard blockSize >= 512, blockSize <= 65536, blockSize & (blockSize - 1) == 0,
              sectSize >= 512, sectSize <= 32768, sectSize & (sectSize - 1) == 0 else { return nil }
        let dblocks = b.u64be(8)
        let uuid = uuidString(b.slice(32, 16))
        let label = b.ascii(108, 12)
        var reg = RegionBuilder("XFS superblock", base: base, bytes: b)
        reg.text("sb_magicnum", 0, 4)
        reg.be("sb_blocksize", 4, 4)
        reg.be("sb_dblocks", 8, 8)
        reg.be("sb_rblocks", 16, 8)
        reg.add("sb_uuid", 32, 16, uuid)
        reg.be("sb_logstart", 48, 8)
        reg.be("sb_rootino", 56, 8)
        reg.be("sb_agblocks", 84, 4)
        reg.be("sb_agcount", 88, 4)
        reg.be("sb_logblocks", 96, 4)
        reg.add("sb_versionnum", 100, 2, hex(b.u16be(100), digits: 4))
        reg.be("sb_sectsize", 102, 2)
        reg.be("sb_inodesize", 104, 2)
        reg.text("sb_fname", 108, 12)
        var defects: [String] = []
        let size = checkedProduct(dblocks, Int64(blockSize), "XFS superblock at \(base): sb_dblocks", &defects)
        var fs = FileSystemInfo(
            type: "xfs", label: nonEmpty(label), uuid: uuid, blockSize: Int64(blockSize),
            size: size, offset: base, regions: [reg.build(length: 512)])
        fs.defects = defects
        return fs
    }
}
