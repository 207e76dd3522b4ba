// An sfdisk script that would recreate a partition table from scan candidates.

/// The table a scan proposes, as `sfdisk` reads it.
public struct SfdiskScript: Sendable, Hashable {
    /// `gpt` or `dos`.
    public var label: String
    /// The script: a header, then one line per partition.
    public var text: String
    /// Why a candidate was left out or changed (also in the script as comments).
    public var notes: [String]
}

extension PartitionScan {
    /// Media larger than this need GPT (a DOS table counts 32-bit sectors).
    public static let dosLimit: Int64 = 2 << 40

    /// What is left of a GPT: a protective MBR entry (type 0xEE) in sector 0,
    /// or an `EFI PART` signature at LBA 1 (512- or 4096-byte sectors) or in
    /// the last sector. `source` needs the first 8 KiB and the last 4 KiB.
    public static func gptRemnants(_ source: any ByteSource) -> [String] {
        var r = Reader(source)
        var out: [String] = []
        if let mbr = r.read(0, 512), mbr[510] == 0x55, mbr[511] == 0xAA,
           (0..<4).contains(where: { mbr[446 + $0 * 16 + 4] == 0xEE }) {
            out.append("protective MBR (type 0xEE) in sector 0")
        }
        for ss in [Int64(512), 4096] {
            if let h = r.read(ss, 8), h.matches(0, GPTParser.signature) { out.append("GPT header signature at LBA 1 (\(ss)-byte sectors)") }
            let last = r.size / ss * ss - ss
            if last > ss, let h = r.read(last, 8), h.matches(0, GPTParser.signature) {
                out.append("backup GPT header signature in the last sector (\(ss)-byte sectors)")
            }
        }
        return out
    }

    /// The script for `partitions` (sorted by offset, not overlapping: see
    /// ``partitions(_:minimumConfidence:)``) on media of `size` bytes.
    /// GPT when `gpt` is asked, the media exceeds 2 TiB or more than four
    /// partitions cannot be laid out as logical ones; else DOS.
    public static func sfdiskScript(_ partitions: [ScanCandidate], size: Int64, sectorSize: Int, gpt wantGPT: Bool,
                                    source path: String) -> SfdiskScript {
        let ss = Int64(max(sectorSize, 512))
        let parts = partitions.sorted { $0.offset < $1.offset }
        var notes: [String] = []
        var useGPT = wantGPT || size > dosLimit
        if !useGPT, parts.count > 4, !logicalsFit(parts, ss: ss) {
            useGPT = true
            notes.append("more than four partitions with no room for extended boot records between them: GPT")
        }
        let totalSectors = size / ss
        // GPT keeps 34 sectors at each end for its headers and arrays (33 at the end).
        let firstUsable: Int64 = useGPT ? (ss == 512 ? 34 : 6) : 1
        let lastUsable: Int64 = useGPT ? totalSectors - (ss == 512 ? 34 : 6) : totalSectors - 1
        var lines: [String] = []
        for (i, p) in parts.enumerated() {
            let start = p.offset / ss
            guard p.offset % ss == 0 else {
                notes.append("file system at byte \(p.offset) does not start on a \(ss)-byte sector: left out")
                continue
            }
            guard start >= firstUsable else {
                notes.append("\(p.filesystem.type) at sector \(start) lies before the first usable sector \(firstUsable): left out")
                continue
            }
            let nextStart = i + 1 < parts.count ? parts[i + 1].offset / ss : lastUsable + 1
            var sectors: Int64
            if let bytes = p.size {
                sectors = sectorCount(bytes, ss)
            } else {
                sectors = nextStart - start
                notes.append("\(p.filesystem.type) at sector \(start) declares no size: it extends to sector \(nextStart - 1)")
            }
            let end = min(start.addingSaturating(sectors), nextStart, lastUsable + 1)
            if end < start.addingSaturating(sectors) {
                notes.append("\(p.filesystem.type) at sector \(start): \(sectors) sectors would overlap what follows; cut to \(end - start)")
                sectors = end - start
            }
            guard sectors > 0 else { continue }
            lines.append(line(p, start: start, sectors: sectors, gpt: useGPT))
        }
        if !useGPT, lines.count > 4 {
            // Three primaries, then an extended partition holding the rest as logical ones.
            let logicals = Array(lines[3...])
            let firstLogical = parts[3].offset / ss
            let extStart = firstLogical - min(2048, firstLogical - (parts[2].end ?? 0) / ss)
            let lastEnd = (parts.last!.end ?? size) / ss
            lines = Array(lines[..<3]) + ["start=\(extStart), size=\(lastEnd - extStart), type=5"] + logicals
        }
        var text = "# blkview scan of \(path): the partitions it found, as an sfdisk script.\n"
        text += "# blkview never writes a partition table. Check this, then apply it yourself:\n"
        text += "#   sfdisk DEVICE < this-file\n"
        for n in notes { text += "# note: \(n)\n" }
        text += "label: \(useGPT ? "gpt" : "dos")\nunit: sectors\nsector-size: \(ss)\n\n"
        text += lines.map { $0 + "\n" }.joined()
        return SfdiskScript(label: useGPT ? "gpt" : "dos", text: text, notes: notes)
    }

    /// `bytes` in `sectorSize`-byte sectors, rounded up (without overflowing).
    public static func sectorCount(_ bytes: Int64, _ sectorSize: Int64) -> Int64 {
        bytes / sectorSize + (bytes % sectorSize == 0 ? 0 : 1)
    }

    /// Whether the partitions after the third each leave a sector before
    /// them for an extended boot record.
    static func logicalsFit(_ parts: [ScanCandidate], ss: Int64) -> Bool {
        guard parts.count > 4 else { return true }
        for i in 3..<parts.count {
            guard let prevEnd = parts[i - 1].end else { return false }
            if parts[i].offset - prevEnd < ss { return false }
        }
        return true
    }

    static func line(_ p: ScanCandidate, start: Int64, sectors: Int64, gpt: Bool) -> String {
        var s = "start=\(start), size=\(sectors), type=\(gpt ? gptType(p.filesystem) : dosType(p.filesystem))"
        if gpt, let label = p.filesystem.label {
            let safe = label.unicodeScalars.filter { $0 != "\"" && $0 != "\\" && $0.value >= 0x20 }
            s += ", name=\"\(String(String.UnicodeScalarView(safe.prefix(36))))\""
        }
        return s
    }

    /// The GPT type GUID sfdisk should give a file system.
    static func gptType(_ fs: FileSystemInfo) -> String {
        switch fs.type {
        case "vfat", "ntfs", "exfat": return "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"  // Microsoft basic data
        case "swap": return "0657FD6D-A4AB-4C63-A050-0FC9FE9C3A0A"
        case "crypto_LUKS": return "CA7D7CCB-63ED-4C53-861C-1742536059CC"
        default: return "0FC63DAF-8483-4772-8E79-3D69D8477DE4"  // Linux filesystem
        }
    }

    /// The DOS partition id sfdisk should give a file system.
    static func dosType(_ fs: FileSystemInfo) -> String {
        switch (fs.type, fs.version) {
        case ("vfat", "FAT32"): return "c"
        case ("vfat", "FAT16"): return "e"
        case ("vfat", _): return "1"
        case ("ntfs", _), ("exfat", _): return "7"
        case ("swap", _): return "82"
        case ("iso9660", _): return "96"
        default: return "83"
        }
    }
}
