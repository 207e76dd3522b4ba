// Probing a whole device: GPT at 512 and 4096, else MBR, else a bare file system.

/// Finds the partition table and file systems of a device.
public enum DiskProbe {
    /// File systems are looked for in this many partitions at most.
    public static let maxProbedPartitions = 256
    /// Logical partitions followed along an EBR chain at most (a longer chain is a defect).
    public static let maxLogicalPartitions = MBRParser.maxLogical

    /// Probes `source`.
    ///
    /// - Parameter logicalSectorSize: the device's logical sector size when the
    ///   caller knows it (a block device's BLKSSZGET). GPT is looked for with
    ///   that size first, then at 512 and 4096 bytes anyway: an image file of a
    ///   4Kn disk reports 512. MBR sectors count in the hint (else 512).
    /// - Returns: the layout; check ``DiskLayout/missingRanges`` when the source
    ///   holds only pre-read chunks.
    public static func probe(_ source: any ByteSource, logicalSectorSize: Int? = nil) -> DiskLayout {
        var r = Reader(source)
        var layout = probe(&r, hint: logicalSectorSize)
        layout.missingRanges = r.missing
        return layout
    }

    static func probe(_ r: inout Reader, hint: Int?) -> DiskLayout {
        var sizes: [Int64] = [512, 4096]
        if let hint, hint >= 512, hint <= 65536, hint & (hint - 1) == 0 {
            sizes = [Int64(hint)] + sizes.filter { $0 != Int64(hint) }
        }
        var layout = DiskLayout(size: r.size, sectorSize: Int(sizes[0]), scheme: .none)
        let sector0 = r.read(0, 512)
        let mbrValid = sector0.map(MBRParser.looksValid) ?? false
        var mbr: MBRTable?
        if mbrValid, let sector0 {
            mbr = MBRParser.parse(&r, sector0: sector0, sectorSize: Int64(layout.sectorSize))
        }
        for size in sizes {
            guard let gpt = GPTParser.parse(&r, sectorSize: size, protective: mbr?.hasProtectiveEntry ?? false) else { continue }
            layout.scheme = .gpt
            layout.sectorSize = Int(size)
            layout.diskID = gpt.header.diskGUID
            layout.partitions = gpt.partitions
            layout.defects = gpt.defects
            layout.regions = gpt.regions
            if let mbr { layout.regions += mbr.regions.filter { $0.name == "MBR" || $0.name == "MBR partition 1" } }
            if mbr?.hasProtectiveEntry != true { layout.defects.append("no protective MBR in front of the GPT") }
            break
        }
        if layout.scheme == .none {
            // A FAT/NTFS/exFAT boot sector ends in 0x55AA too: it is not an MBR.
            let whole = FileSystemProbe.probe(&r, at: 0, length: nil)
            let bootSector = ["vfat", "ntfs", "exfat"].contains(whole?.type ?? "")
            layout.filesystem = whole
            if let mbr, !bootSector {
                layout.scheme = .mbr
                layout.diskID = "0x" + hex(mbr.diskSignature, digits: 8, uppercase: false)
                layout.partitions = mbr.partitions
                layout.defects = mbr.defects
                layout.regions = mbr.regions
                if mbr.hasProtectiveEntry { layout.defects.append("protective MBR but no valid GPT") }
            }
        }
        let sectorSize = Int64(layout.sectorSize)
        let deviceSectors = r.size / sectorSize
        // File systems of the first `maxProbedPartitions` partitions only: bounds the reads
        // a hostile table (thousands of GPT entries) can cause.
        for i in layout.partitions.indices.prefix(maxProbedPartitions) where layout.partitions[i].kind != .extended {
            let p = layout.partitions[i]
            guard p.start < deviceSectors, let bytes = p.byteRange(sectorSize: layout.sectorSize) else { continue }
            layout.partitions[i].filesystem = FileSystemProbe.probe(&r, at: bytes.lowerBound, length: Int64(bytes.count))
        }
        layout.defects += checkOverflow(layout.partitions, sectorSize: layout.sectorSize)
        layout.defects += checkGeometry(layout.partitions, deviceSectors: deviceSectors)
        for p in layout.partitions {
            layout.regions += p.filesystem?.regions ?? []
            layout.defects += p.filesystem?.defects ?? []
        }
        layout.defects += layout.filesystem?.defects ?? []
        layout.regions += layout.filesystem?.regions ?? []
        layout.regions.sort { ($0.offset, $0.length) < ($1.offset, $1.length) }
        return layout
    }

    /// Defects of one kind listed before the rest are summed up in one line.
    public static let maxListed = 16

    /// Partitions whose byte offsets do not fit in 64 bits (GPT LBAs are 64-bit
    /// sector numbers: StartingLBA 2^55 × 512 overflows).
    static func checkOverflow(_ parts: [Partition], sectorSize: Int) -> [String] {
        let bad = parts.filter { $0.byteRange(sectorSize: sectorSize) == nil }
        var defects = bad.prefix(maxListed).map {
            "partition \($0.index): sectors \($0.start)+\($0.size) at \(sectorSize) bytes overflow a 64-bit byte offset"
        }
        if bad.count > maxListed { defects.append("\(bad.count - maxListed) more partitions overflow a 64-bit byte offset") }
        return defects
    }

    /// Overlaps, partitions past the end, and logical partitions outside their
    /// container. Linear after a sort, whatever the table holds: a hostile GPT
    /// may declare tens of thousands of entries.
    static func checkGeometry(_ parts: [Partition], deviceSectors: Int64) -> [String] {
        var defects: [String] = []
        let pastEnd = parts.filter { $0.end > deviceSectors }
        for p in pastEnd.prefix(maxListed) {
            defects.append("partition \(p.index) ends at sector \(p.end), past the end of the device (\(deviceSectors) sectors)")
        }
        if pastEnd.count > maxListed {
            defects.append("\(pastEnd.count - maxListed) more partitions end past the end of the device")
        }
        if let container = parts.first(where: { $0.kind == .extended }) {
            for p in parts where p.kind == .logical && (p.start < container.start || p.end > container.end) {
                defects.append("logical partition \(p.index) lies outside the extended partition \(container.index)")
            }
        }
        // Sweep in start order; the extended container overlaps its logicals by design.
        let sorted = parts.filter { $0.size > 0 }.sorted { ($0.start, $0.index) < ($1.start, $1.index) }
        var overlaps = 0
        sweep: for i in sorted.indices {
            var j = i + 1
            while j < sorted.count, sorted[j].start < sorted[i].end {
                let a = sorted[i], b = sorted[j]
                j += 1
                if a.kind == .extended && b.kind == .logical || b.kind == .extended && a.kind == .logical { continue }
                overlaps += 1
                if overlaps > maxListed {
                    defects.append("more overlapping partitions not listed")
                    break sweep
                }
                defects.append("partitions \(min(a.index, b.index)) and \(max(a.index, b.index)) overlap")
            }
        }
        return defects
    }
}
