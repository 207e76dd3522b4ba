// ext2/3/4 superblock (1024 bytes at offset 1024), classified as blkid does.

/// ext2, ext3 and ext4.
enum ExtProbe {
    static let hasJournal: UInt32 = 0x0004
    static let incompatJournalDev: UInt32 = 0x0008
    static let incompat64Bit: UInt32 = 0x0080
    /// Features ext3 understands (blkid's EXT3_FEATURE_*_SUPP); anything else makes it ext4.
    static let ext3ROCompat: UInt32 = 0x0001 | 0x0002 | 0x0004
    static let ext3Incompat: UInt32 = 0x0002 | 0x0004 | 0x0010

    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= 2048, let b = r.read(base + 1024, 1024), b.u16le(56) == 0xEF53 else { return nil }
        let compat = b.u32le(92), incompat = b.u32le(96), roCompat = b.u32le(100)
        let logBlock = b.u32le(24)
        guard logBlock <= 6 else { return nil }  // 1 KiB … 64 KiB
        if incompat & incompatJournalDev != 0 { return nil }  // an external journal (jbd), not a file system
        let type: String
        if roCompat & ~ext3ROCompat != 0 || incompat & ~ext3Incompat != 0 {
            type = "ext4"
        } else if compat & hasJournal != 0 {
            type = "ext3"
        } else {
            type = "ext2"
        }
        let blockSize = Int64(1024) << Int64(logBlock)
        var blocks = UInt64(b.u32le(4))
        if incompat & incompat64Bit != 0 { blocks |= UInt64(b.u32le(0x150)) << 32 }
        let uuid = uuidString(b.slice(104, 16))
        let label = b.ascii(120, 16)

        var reg = RegionBuilder("\(type) superblock", base: base + 1024, bytes: b)
        reg.le("s_inodes_count", 0, 4)
        reg.le("s_blocks_count_lo", 4, 4)
        reg.le("s_free_blocks_count_lo", 12, 4)
        reg.le("s_first_data_block", 20, 4)
        reg.add("s_log_block_size", 24, 4, "\(logBlock) (\(blockSize) bytes)")
        reg.le("s_blocks_per_group", 32, 4)
        reg.le("s_inodes_per_group", 40, 4)
        reg.le("s_mtime", 44, 4)
        reg.le("s_wtime", 48, 4)
        reg.hexLE("s_magic", 56, 2)
        reg.le("s_state", 58, 2)
        reg.le("s_rev_level", 76, 4)
        reg.le("s_first_ino", 84, 4)
        reg.le("s_inode_size", 88, 2)
        reg.hexLE("s_feature_compat", 92, 4)
        reg.hexLE("s_feature_incompat", 96, 4)
        reg.hexLE("s_feature_ro_compat", 100, 4)
        reg.add("s_uuid", 104, 16, uuid)
        reg.text("s_volume_name", 120, 16)
        reg.text("s_last_mounted", 136, 64)
        if incompat & incompat64Bit != 0 { reg.le("s_blocks_count_hi", 0x150, 4) }
        var defects: [String] = []
        let size = checkedProduct(blocks, blockSize, "\(type) superblock at \(base + 1024): s_blocks_count", &defects)
        var fs = FileSystemInfo(
            type: type, version: "\(b.u32le(76)).\(b.u16le(62))", label: nonEmpty(label), uuid: uuid,
            blockSize: blockSize, size: size, offset: base, regions: [reg.build(length: 1024)])
        fs.defects = defects
        return fs
    }
}
