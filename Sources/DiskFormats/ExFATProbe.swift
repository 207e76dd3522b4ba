// exFAT boot sector and the volume-label entry of its root directory.

/// exFAT.
enum ExFATProbe {
    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= 512, let b = r.read(base, 512), b.matches(3, "EXFAT   ") else { return nil }
        let bpsShift = Int64(b.u8(108)), spcShift = Int64(b.u8(109))
        guard bpsShift >= 9, bpsShift <= 12, spcShift <= 25 - bpsShift else { return nil }
        let bps = Int64(1) << bpsShift
        let clusterSize = bps << spcShift
        let heap = Int64(b.u32le(88))
        let rootCluster = Int64(b.u32le(96))
        let uuid = hex(b[103], digits: 2) + hex(b[102], digits: 2) + "-"
            + hex(b[101], digits: 2) + hex(b[100], digits: 2)
        var label: String?
        var defects: [String] = []
        if rootCluster >= 2 {
            // heap × bps + (root − 2) × cluster size: 32-bit fields, but checked all the same.
            let (heapBytes, o1) = heap.multipliedReportingOverflow(by: bps)
            let (rootBytes, o2) = (rootCluster - 2).multipliedReportingOverflow(by: clusterSize)
            let (rel, o3) = heapBytes.addingReportingOverflow(rootBytes)
            if o1 || o2 || o3 {
                defects.append("exFAT boot sector at \(base): root directory offset overflows 64 bits")
            } else if rel >= limit {
                defects.append("exFAT boot sector at \(base): root directory at +\(rel) is past the end of the partition or device")
            } else if let dir = r.read(base.addingSaturating(rel), Int(min(clusterSize, 65536, limit - rel))) {
                label = volumeLabel(in: dir)
            }
        }
        var reg = RegionBuilder("exFAT boot sector", base: base, bytes: b)
        reg.add("JumpBoot", 0, 3, hexString(b.slice(0, 3)))
        reg.text("FileSystemName", 3, 8)
        reg.le("PartitionOffset", 64, 8)
        reg.le("VolumeLength", 72, 8)
        reg.le("FatOffset", 80, 4)
        reg.le("FatLength", 84, 4)
        reg.le("ClusterHeapOffset", 88, 4)
        reg.le("ClusterCount", 92, 4)
        reg.le("FirstClusterOfRootDirectory", 96, 4)
        reg.add("VolumeSerialNumber", 100, 4, uuid)
        reg.hexLE("FileSystemRevision", 104, 2)
        reg.hexLE("VolumeFlags", 106, 2)
        reg.add("BytesPerSectorShift", 108, 1, "\(bpsShift) (\(bps) bytes)")
        reg.add("SectorsPerClusterShift", 109, 1, "\(spcShift) (\(clusterSize) bytes per cluster)")
        reg.le("NumberOfFats", 110, 1)
        reg.hexLE("BootSignature", 510, 2)
        let size = checkedProduct(b.u64le(72), bps, "exFAT boot sector at \(base): VolumeLength", &defects)
        var fs = FileSystemInfo(
            type: "exfat", version: "1.0", label: label, uuid: uuid, blockSize: clusterSize,
            size: size, offset: base, regions: [reg.build(length: 512)])
        fs.defects = defects
        return fs
    }

    /// The 0x83 (volume label) entry: up to 11 UTF-16LE characters.
    static func volumeLabel(in dir: Bytes) -> String? {
        var offset = 0
        while offset + 32 <= dir.count {
            let type = dir[offset]
            if type == 0 { return nil }
            if type == 0x83 {
                let chars = min(Int(dir[offset + 1]), 11)
                return nonEmpty(dir.utf16(offset + 2, chars * 2))
            }
            offset += 32
        }
        return nil
    }
}
