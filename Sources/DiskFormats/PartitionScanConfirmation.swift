// What confirms a candidate: the copies file systems keep of their boot
// sector or superblock, and the checksums they carry.

/// Per-file-system confirmation of a scan candidate.
enum ScanConfirmation {
    /// Points for a backup that agrees with the primary, and for a matching checksum.
    static let backupPoints = 30
    static let checksumPoints = 10

    /// Confidence points earned; `size` is corrected where the file system
    /// leaves room after its declared size (NTFS's backup boot sector).
    /// `start` moves the candidate when what was found is a backup whose
    /// primary is gone (an NTFS backup boot sector): the partition starts there.
    static func confirm(_ r: inout Reader, _ fs: FileSystemInfo, size: inout Int64?, start: inout Int64,
                        evidence: inout [String]) -> Int {
        let base = fs.offset
        switch fs.type {
        case "ext2", "ext3", "ext4": return ext(&r, base, evidence: &evidence)
        case "ntfs": return ntfs(&r, base, size: &size, start: &start, evidence: &evidence)
        case "vfat": return fat(&r, base, evidence: &evidence)
        case "exfat": return exfat(&r, base, evidence: &evidence)
        case "xfs": return xfs(&r, base, evidence: &evidence)
        case "crypto_LUKS":
            let specs = ChecksumCatalog.luks2(&r, base)
            return checksums(specs, &r, evidence: &evidence)
        default: return 0
        }
    }

    /// Points for the checksums in `specs` that match; a mismatch is noted.
    static func checksums(_ specs: [ChecksumSpec], _ r: inout Reader, evidence: inout [String]) -> Int {
        var points = 0
        for spec in specs {
            guard let status = spec.evaluate(ReaderSource(reader: r)) else {
                for range in spec.neededRanges { _ = r.read(range.offset, Int(range.length)) }
                continue
            }
            if status.matches {
                points += checksumPoints
                evidence.append("\(spec.title) matches")
            } else {
                points -= checksumPoints
                evidence.append("\(spec.title) does not match")
            }
        }
        return points
    }

    static func ext(_ r: inout Reader, _ base: Int64, evidence: inout [String]) -> Int {
        guard let sb = r.read(base + 1024, 1024) else { return 0 }
        var points = checksums(ChecksumCatalog.ext(&r, base), &r, evidence: &evidence)
        if sb.u16le(0x5A) != 0 {
            evidence.append("a backup superblock (group \(sb.u16le(0x5A)))")
            return points - 40
        }
        // Group 1 always holds a backup superblock (sparse_super or not), at
        // the start of its first block: (s_first_data_block + s_blocks_per_group) blocks in.
        let blockSize = Int64(1024) << Int64(min(sb.u32le(24), 6))
        let group1 = Int64(sb.u32le(20)) + Int64(sb.u32le(32))
        let backup = base.addingSaturating(group1.multipliedSaturating(blockSize))
        var blocks = UInt64(sb.u32le(4))
        if sb.u32le(96) & ExtProbe.incompat64Bit != 0 { blocks |= UInt64(sb.u32le(0x150)) << 32 }
        guard UInt64(group1) < blocks else {
            evidence.append("one block group: no backup superblock to compare")
            return points
        }
        guard sb.u32le(32) > 0, backup < r.size, let copy = r.read(backup, 1024) else { return points }
        if copy.u16le(56) == 0xEF53, copy.slice(104, 16) == sb.slice(104, 16) {
            points += backupPoints
            evidence.append("backup superblock of group 1 matches")
        } else {
            evidence.append("no backup superblock at group 1")
        }
        return points
    }

    static func ntfs(_ r: inout Reader, _ base: Int64, size: inout Int64?, start: inout Int64, evidence: inout [String]) -> Int {
        guard let b = r.read(base, 512) else { return 0 }
        let bps = Int64(b.u16le(11))
        let sectors = b.u64le(40).clampedInt64
        // The backup boot sector is the sector after the volume: the partition is one sector longer.
        let (last, overflow) = sectors.multipliedReportingOverflow(by: bps)
        guard !overflow, bps > 0 else { return 0 }
        size = last.addingSaturating(bps)
        func same(_ other: Bytes) -> Bool {
            other.matches(3, "NTFS    ") && other.slice(40, 16) == b.slice(40, 16) && other.u64le(72) == b.u64le(72)
        }
        let at = base.addingSaturating(last)
        if at < r.size, let copy = r.read(at, 512), same(copy) {
            evidence.append("backup boot sector at the end matches")
            return backupPoints
        }
        // Perhaps this is the backup (the volume's sectors end here): is its primary there?
        let primaryAt = base - last
        guard primaryAt >= 0 else {
            evidence.append("no backup boot sector at the end")
            return 0
        }
        guard let primary = r.read(primaryAt, 512) else { return 0 }  // read it, then decide
        if same(primary) {
            evidence.append("the backup boot sector of the NTFS at 0x\(String(primaryAt, radix: 16))")
            return -40
        }
        // The primary is gone: the partition starts where the backup says.
        start = primaryAt
        evidence.append("found by its backup boot sector at 0x\(String(base, radix: 16)) (the boot sector at the start is gone)")
        return backupPoints - 10
    }

    static func fat(_ r: inout Reader, _ base: Int64, evidence: inout [String]) -> Int {
        guard let b = r.read(base, 512) else { return 0 }
        let bps = Int64(b.u16le(11))
        if b.u16le(22) == 0 {
            // FAT32: a copy of the boot sector at BPB_BkBootSec (6).
            let backup = Int64(b.u16le(50))
            guard backup > 0, backup < Int64(b.u16le(14)) else {
                evidence.append("no backup boot sector declared")
                return 0
            }
            guard let copy = r.read(base.addingSaturating(backup * bps), 512) else { return 0 }
            if copy.slice(0, 90) == b.slice(0, 90) {
                evidence.append("backup boot sector at sector \(backup) matches")
                return backupPoints
            }
            evidence.append("backup boot sector at sector \(backup) differs")
            return 0
        }
        // FAT12/16 keep no copy: the first FAT starts with the media byte and 0xFF.
        let fatAt = base.addingSaturating(Int64(b.u16le(14)) * bps)
        guard let fat = r.read(fatAt, 4) else { return 0 }
        if fat[0] == b[21], fat[1] == 0xFF {
            evidence.append("first FAT starts with the media byte")
            return backupPoints / 2
        }
        return 0
    }

    static func exfat(_ r: inout Reader, _ base: Int64, evidence: inout [String]) -> Int {
        // The main and backup boot regions, each with its checksum: both
        // matching is as good as a backup that agrees.
        let specs = ChecksumCatalog.exfat(&r, base)
        let points = checksums(specs, &r, evidence: &evidence)
        return specs.count == 2 && points == 2 * checksumPoints ? backupPoints : points
    }

    static func xfs(_ r: inout Reader, _ base: Int64, evidence: inout [String]) -> Int {
        guard let b = r.read(base, 512) else { return 0 }
        let ag1 = Int64(b.u32be(84)).multipliedSaturating(Int64(b.u32be(4)))
        guard ag1 > 0, b.u32be(88) > 1, base.addingSaturating(ag1) < r.size,
              let copy = r.read(base.addingSaturating(ag1), 512) else { return 0 }
        if copy.matches(0, "XFSB"), copy.slice(32, 16) == b.slice(32, 16) {
            evidence.append("secondary superblock of AG 1 matches")
            return backupPoints
        }
        evidence.append("no secondary superblock at AG 1")
        return 0
    }
}

/// A Reader's source seen as a ByteSource (to evaluate a checksum from the same bytes).
struct ReaderSource: ByteSource {
    let reader: Reader
    var size: Int64 { reader.size }
    func bytes(at offset: Int64, count: Int) -> [UInt8]? { reader.source.bytes(at: offset, count: count) }
}
