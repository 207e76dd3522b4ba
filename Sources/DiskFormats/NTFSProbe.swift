// NTFS boot sector, and the volume name from the $Volume MFT record.

/// NTFS.
enum NTFSProbe {
    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= 512, let b = r.read(base, 512), b.matches(3, "NTFS    ") else { return nil }
        let bps = Int64(b.u16le(11))
        guard bps >= 256, bps <= 4096, bps & (bps - 1) == 0 else { return nil }
        var spc = Int64(b.u8(13))
        if spc > 0x80 { spc = 1 << min(0x100 - spc, 20) }  // newer NTFS: a negative power of two
        guard spc > 0, spc & (spc - 1) == 0 else { return nil }
        let clusterSize = spc * bps
        let perRecord = Int8(bitPattern: b.u8(64))
        let recordSize: Int64 = perRecord > 0 ? Int64(perRecord) * clusterSize : 1 << min(Int64(-Int(perRecord)), 20)
        guard recordSize >= 256, recordSize <= 65536 else { return nil }
        let mftCluster = b.u64le(48).clampedInt64
        let serial = b.u64le(72)
        let uuid = hex(serial, digits: 16)

        var label: String?
        var defects: [String] = []
        let (mftBytes, o1) = mftCluster.multipliedReportingOverflow(by: clusterSize)
        let (recordOffset, o2) = mftBytes.addingReportingOverflow(3 * recordSize)
        if o1 || o2 || b.u64le(48) > UInt64(Int64.max) {
            defects.append("NTFS boot sector at \(base): mft_lcn \(b.u64le(48)) × \(clusterSize) bytes overflows a 64-bit offset")
        } else if recordOffset < limit - recordSize, let rec = r.read(base + recordOffset, Int(recordSize)) {
            label = volumeName(in: applyFixups(rec))
        }
        var reg = RegionBuilder("NTFS boot sector", base: base, bytes: b)
        reg.add("jump", 0, 3, hexString(b.slice(0, 3)))
        reg.text("oem_id", 3, 8)
        reg.le("bytes_per_sector", 11, 2)
        reg.add("sectors_per_cluster", 13, 1, "\(b.u8(13)) (\(clusterSize) bytes per cluster)")
        reg.hexLE("media_type", 21, 1)
        reg.le("hidden_sectors", 28, 4)
        reg.le("number_of_sectors", 40, 8)
        reg.le("mft_lcn", 48, 8)
        reg.le("mftmirr_lcn", 56, 8)
        reg.add("clusters_per_mft_record", 64, 1, "\(perRecord) (\(recordSize) bytes)")
        reg.add("volume_serial_number", 72, 8, uuid)
        reg.hexLE("end_of_sector_marker", 510, 2)
        let size = checkedProduct(b.u64le(40), bps, "NTFS boot sector at \(base): number_of_sectors", &defects)
        var fs = FileSystemInfo(
            type: "ntfs", label: label, uuid: uuid, blockSize: clusterSize,
            size: size, offset: base, regions: [reg.build(length: 512)])
        fs.defects = defects
        return fs
    }

    /// Undoes the update-sequence protection: the last two bytes of each
    /// 512-byte stride were replaced by the sequence number on disk.
    static func applyFixups(_ rec: Bytes) -> Bytes {
        guard rec.matches(0, "FILE") else { return rec }
        var raw = rec.raw
        let usaOffset = Int(rec.u16le(4)), usaCount = Int(rec.u16le(6))
        guard usaCount >= 1 else { return rec }
        for i in 1..<usaCount {
            let at = i * 512 - 2, from = usaOffset + i * 2
            guard at + 1 < raw.count, from + 1 < raw.count else { break }
            raw[at] = raw[from]
            raw[at + 1] = raw[from + 1]
        }
        return Bytes(raw)
    }

    /// The $VOLUME_NAME (0x60) attribute's value, walking the record's attributes.
    static func volumeName(in rec: Bytes) -> String? {
        guard rec.matches(0, "FILE") else { return nil }
        var offset = Int(rec.u16le(20))
        while offset >= 0, offset + 24 <= rec.count {
            let type = rec.u32le(offset)
            let length = Int(rec.u32le(offset + 4))
            if type == 0xFFFF_FFFF || length < 24 || length > rec.count - offset { break }
            if type == 0x60 && rec[offset + 8] == 0 {
                let valueLength = Int(rec.u32le(offset + 16))
                let valueOffset = Int(rec.u16le(offset + 20))
                guard valueLength <= length, valueOffset <= length - valueLength else { return nil }
                return nonEmpty(rec.utf16(offset + valueOffset, valueLength))
            }
            offset += length
        }
        return nil
    }
}
