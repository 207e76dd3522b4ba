// Btrfs superblock (at 64 KiB).

/// Btrfs.
enum BtrfsProbe {
    static let superblockOffset: Int64 = 0x10000

    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= superblockOffset + 4096,
              let b = r.read(base + superblockOffset, 4096), b.matches(64, "_BHRfS_M") else { return nil }
        let sectorSize = b.u32le(144)
        guard sectorSize >= 512, sectorSize <= 65536, sectorSize & (sectorSize - 1) == 0 else { return nil }
        let fsid = uuidString(b.slice(32, 16))
        let devUUID = uuidString(b.slice(201 + 66, 16))
        let label = b.ascii(299, 256)
        var reg = RegionBuilder("Btrfs superblock", base: base + superblockOffset, bytes: b)
        reg.add("csum", 0, 32, hexString(b.slice(0, 4)) + "…")
        reg.add("fsid", 32, 16, fsid)
        reg.le("bytenr", 48, 8)
        reg.hexLE("flags", 56, 8)
        reg.text("magic", 64, 8)
        reg.le("generation", 72, 8)
        reg.le("root", 80, 8)
        reg.le("chunk_root", 88, 8)
        reg.le("total_bytes", 112, 8)
        reg.le("bytes_used", 120, 8)
        reg.le("num_devices", 136, 8)
        reg.le("sectorsize", 144, 4)
        reg.le("nodesize", 148, 4)
        reg.hexLE("incompat_flags", 188, 8)
        reg.le("dev_item.devid", 201, 8)
        reg.add("dev_item.uuid", 201 + 66, 16, devUUID)
        reg.text("label", 299, 256)
        var defects: [String] = []
        let size = checkedProduct(b.u64le(112), 1, "Btrfs superblock at \(base + superblockOffset): total_bytes", &defects)
        var fs = FileSystemInfo(
            type: "btrfs", label: nonEmpty(label), uuid: fsid, uuidSub: devUUID,
            blockSize: Int64(sectorSize), size: size, offset: base, regions: [reg.build(length: 4096)])
        fs.defects = defects
        return fs
    }
}
