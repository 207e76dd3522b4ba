// FAT12/16/32 boot sector (BPB) and the volume-label entry of the root directory.

/// FAT12, FAT16 and FAT32 (blkid TYPE `vfat`).
enum FATProbe {
    static let noName = "NO NAME"

    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= 512, let b = r.read(base, 512) else { return nil }
        guard b[0] == 0xEB || b[0] == 0xE9 else { return nil }
        let bps = Int64(b.u16le(11)), spc = Int64(b.u8(13))
        let reserved = Int64(b.u16le(14)), fats = Int64(b.u8(16))
        let rootEntries = Int64(b.u16le(17)), media = b.u8(21)
        guard [512, 1024, 2048, 4096].contains(bps), spc > 0, spc & (spc - 1) == 0,
              reserved > 0, fats > 0, fats <= 4, media == 0xF0 || media >= 0xF8 else { return nil }
        let hasMagic = b.matches(82, "FAT32   ") || b.matches(54, "FAT1") || b.matches(54, "FAT ")
            || b.matches(82, "MSWIN") || b.matches(54, "MSDOS")
        guard hasMagic || (b[510] == 0x55 && b[511] == 0xAA) else { return nil }
        let total = Int64(b.u16le(19) != 0 ? UInt32(b.u16le(19)) : b.u32le(32))
        let fat16Length = Int64(b.u16le(22))
        let isFAT32 = fat16Length == 0
        let fatLength = isFAT32 ? Int64(b.u32le(36)) : fat16Length
        guard total > 0, fatLength > 0 else { return nil }
        let rootDirSectors = (rootEntries * 32 + bps - 1) / bps
        let metaSectors = reserved + fats * fatLength + rootDirSectors
        let clusters = max(0, total - metaSectors) / spc
        let version = isFAT32 ? "FAT32" : (clusters > 0xFF4 ? "FAT16" : "FAT12")
        // The extended BPB sits later in a FAT32 boot sector.
        let ext = isFAT32 ? 64 : 36
        let sigOK = b[ext + 2] == 0x29 || b[ext + 2] == 0x28
        let serial = b.slice(ext + 3, 4)
        let uuid = sigOK && serial.count == 4
            ? hex(serial[3], digits: 2) + hex(serial[2], digits: 2) + "-" + hex(serial[1], digits: 2) + hex(serial[0], digits: 2)
            : nil

        // The root directory: after the FATs (FAT12/16) or at its first cluster (FAT32).
        var dirOffset = reserved + fats * fatLength
        var dirBytes = rootEntries * 32
        if isFAT32 {
            let rootCluster = Int64(b.u32le(44))
            dirOffset = rootCluster >= 2 ? metaSectors.addingSaturating((rootCluster - 2).multipliedSaturating(spc)) : -1
            dirBytes = spc * bps
        }
        var dirLabel: String?
        if dirOffset >= 0, dirOffset < limit / bps {
            let at = base + dirOffset * bps
            if let dir = r.read(at, Int(min(dirBytes, 65536, limit - dirOffset * bps))) {
                dirLabel = volumeLabel(in: dir)
            }
        }
        // As blkid: LABEL comes from the root directory's volume-label entry only;
        // the boot sector's copy (blkid's LABEL_FATBOOT) stays a field of the region.
        let label = dirLabel.flatMap { $0 == noName ? nil : nonEmpty($0) }

        var reg = RegionBuilder("\(version) boot sector", base: base, bytes: b)
        reg.add("BS_jmpBoot", 0, 3, hexString(b.slice(0, 3)))
        reg.text("BS_OEMName", 3, 8)
        reg.le("BPB_BytsPerSec", 11, 2)
        reg.le("BPB_SecPerClus", 13, 1)
        reg.le("BPB_RsvdSecCnt", 14, 2)
        reg.le("BPB_NumFATs", 16, 1)
        reg.le("BPB_RootEntCnt", 17, 2)
        reg.le("BPB_TotSec16", 19, 2)
        reg.hexLE("BPB_Media", 21, 1)
        reg.le("BPB_FATSz16", 22, 2)
        reg.le("BPB_HiddSec", 28, 4)
        reg.le("BPB_TotSec32", 32, 4)
        if isFAT32 {
            reg.le("BPB_FATSz32", 36, 4)
            reg.le("BPB_RootClus", 44, 4)
            reg.le("BPB_FSInfo", 48, 2)
            reg.le("BPB_BkBootSec", 50, 2)
        }
        reg.hexLE("BS_BootSig", ext + 2, 1)
        reg.add("BS_VolID", ext + 3, 4, uuid ?? "")
        reg.text("BS_VolLab", ext + 7, 11)
        reg.text("BS_FilSysType", ext + 18, 8)
        reg.hexLE("Signature_word", 510, 2)
        return FileSystemInfo(
            type: "vfat", version: version, label: label, uuid: uuid,
            blockSize: spc * bps, size: total * bps, offset: base, regions: [reg.build(length: 512)])
    }

    /// The volume-label entry of a directory: attribute VOLUME_ID without DIRECTORY, not a long name.
    static func volumeLabel(in dir: Bytes) -> String? {
        var offset = 0
        while offset + 32 <= dir.count {
            defer { offset += 32 }
            let first = dir[offset]
            if first == 0 { break }
            if first == 0xE5 { continue }
            let attr = dir[offset + 11]
            if attr == 0x0F { continue }
            if attr & 0x18 == 0x08 {
                var name = dir.slice(offset, 11)
                if name.first == 0x05 { name[0] = 0xE5 }
                return Bytes(name).ascii(0, 11)
            }
        }
        return nil
    }
}
