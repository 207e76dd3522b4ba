// MBR partition table, with the EBR chain of logical partitions.

/// What an MBR (and its EBR chain) holds.
struct MBRTable {
    var partitions: [Partition] = []
    var regions: [Region] = []
    var defects: [String] = []
    var diskSignature: UInt32 = 0
    var hasProtectiveEntry = false
}

/// Parses MBR sectors.
enum MBRParser {
    /// Longest EBR chain followed; a longer one is reported, not walked.
    static let maxLogical = 256

    /// One 16-byte entry.
    struct Entry {
        var status: UInt8
        var type: UInt8
        var lba: Int64
        var count: Int64
        var isEmpty: Bool { type == 0 || count == 0 }
    }

    static func entry(_ b: Bytes, _ slot: Int) -> Entry {
        let o = 446 + slot * 16
        return Entry(status: b[o], type: b[o + 4], lba: Int64(b.u32le(o + 8)), count: Int64(b.u32le(o + 12)))
    }

    /// Whether sector 0 looks like an MBR: signature and sane boot indicators.
    static func looksValid(_ b: Bytes) -> Bool {
        guard b.count >= 512, b[510] == 0x55, b[511] == 0xAA else { return false }
        return (0..<4).allSatisfy { entry(b, $0).status & 0x7F == 0 }
    }

    /// The table in `sector0`, following the first extended partition's EBR chain.
    static func parse(_ r: inout Reader, sector0 b: Bytes, sectorSize: Int64) -> MBRTable {
        var table = MBRTable()
        table.diskSignature = b.u32le(440)
        var extended: Entry?
        for slot in 0..<4 {
            let e = entry(b, slot)
            table.regions.append(entryRegion("MBR partition \(slot + 1)", base: 446 + Int64(slot) * 16, b, at: 446 + slot * 16))
            if e.type == 0xEE { table.hasProtectiveEntry = true }
            guard !e.isEmpty else { continue }
            let isExtended = PartitionTypes.extended.contains(e.type)
            table.partitions.append(Partition(
                index: slot + 1, start: e.lba, size: e.count, type: PartitionTypes.mbrID(e.type),
                typeName: PartitionTypes.mbrName(e.type), bootable: e.status == 0x80,
                kind: isExtended ? .extended : .primary))
            if isExtended && extended == nil { extended = e }
        }
        var mbr = RegionBuilder("MBR", base: 0, bytes: b)
        mbr.add("BootCode", 0, 440, "")
        mbr.add("DiskSignature", 440, 4, "0x" + hex(table.diskSignature, digits: 8, uppercase: false))
        mbr.hexLE("Signature", 510, 2)
        table.regions.insert(mbr.build(length: 512), at: 0)
        if let extended { walkChain(&r, extended, sectorSize: sectorSize, into: &table) }
        return table
    }

    /// Follows EBR → EBR links; stops on a loop, a bad signature, an unreadable
    /// sector, or after ``maxLogical`` logical partitions.
    static func walkChain(_ r: inout Reader, _ ext: Entry, sectorSize: Int64, into table: inout MBRTable) {
        var current = ext.lba
        var visited: Set<Int64> = []
        var index = 5
        while visited.count < maxLogical {
            if !visited.insert(current).inserted {
                table.defects.append("EBR chain loops back to sector \(current)")
                return
            }
            let offset = current.multipliedSaturating(sectorSize)
            guard offset < r.size else {
                table.defects.append("EBR at sector \(current) is past the end of the device")
                return
            }
            guard let b = r.read(offset, 512) else { return }
            guard b[510] == 0x55, b[511] == 0xAA else {
                table.defects.append("EBR at sector \(current) has no 0x55AA signature")
                return
            }
            var ebr = RegionBuilder("EBR \(index)", base: offset, bytes: b)
            ebr.hexLE("Signature", 510, 2)
            table.regions.append(ebr.build(length: 512))
            table.regions.append(entryRegion("EBR \(index) logical entry", base: offset + 446, b, at: 446))
            table.regions.append(entryRegion("EBR \(index) next-EBR entry", base: offset + 462, b, at: 462))
            let logical = entry(b, 0), next = entry(b, 1)
            if !logical.isEmpty {
                table.partitions.append(Partition(
                    index: index, start: current + logical.lba, size: logical.count,
                    type: PartitionTypes.mbrID(logical.type), typeName: PartitionTypes.mbrName(logical.type),
                    bootable: logical.status == 0x80, kind: .logical))
                index += 1
            }
            guard !next.isEmpty, PartitionTypes.extended.contains(next.type) else { return }
            current = ext.lba + next.lba
        }
        table.defects.append("EBR chain longer than \(maxLogical) links; stopped there")
    }

    /// A region for the 16-byte entry at `at` in `b`, placed at absolute `base`.
    static func entryRegion(_ name: String, base: Int64, _ b: Bytes, at o: Int) -> Region {
        let e = entry(b, (o - 446) / 16)
        var reg = RegionBuilder(name, base: base - Int64(o), bytes: b)
        reg.add("BootIndicator", o, 1, e.status == 0x80 ? "0x80 (bootable)" : "0x" + hex(e.status, digits: 2))
        reg.add("StartingCHS", o + 1, 3, hexString(b.slice(o + 1, 3)))
        reg.add("OSType", o + 4, 1, PartitionTypes.mbrID(e.type) + " (" + PartitionTypes.mbrName(e.type) + ")")
        reg.add("EndingCHS", o + 5, 3, hexString(b.slice(o + 5, 3)))
        reg.le("StartingLBA", o + 8, 4)
        reg.le("SizeInLBA", o + 12, 4)
        return Region(name: name, offset: base, length: 16, fields: reg.fields)
    }
}
