// GPT: primary and backup headers and partition-entry arrays, with CRC32 checks.

/// A decoded GPT header.
struct GPTHeader: Equatable {
    var revision: UInt32
    var headerSize: UInt32
    var headerCRC: UInt32
    var headerCRCOK: Bool
    var myLBA: UInt64
    var alternateLBA: UInt64
    var firstUsableLBA: UInt64
    var lastUsableLBA: UInt64
    var diskGUID: String
    var entriesLBA: UInt64
    var entryCount: UInt32
    var entrySize: UInt32
    var entriesCRC: UInt32

    /// Largest entry array accepted: 8192 entries of 128 bytes. Real tables hold
    /// 128 entries (16 KiB); the cap bounds what a hostile header makes us read.
    static let maxArrayLength = 1 << 20

    /// The bytes of the entry array, when its geometry is sane.
    var arrayLength: Int? {
        guard entrySize >= 128, entrySize <= 4096, entrySize % 8 == 0, entryCount <= 65536 else { return nil }
        let length = Int(entrySize) * Int(entryCount)
        return length <= Self.maxArrayLength ? length : nil
    }
}

/// What a GPT holds, plus what is wrong with it.
struct GPTTable {
    var header: GPTHeader
    var partitions: [Partition] = []
    var regions: [Region] = []
    var defects: [String] = []
}

/// Parses GPT headers and arrays at a given logical sector size.
enum GPTParser {
    static let signature = "EFI PART"

    /// The header at `lba`, or `nil` when the sector has no GPT signature.
    static func header(_ r: inout Reader, lba: UInt64, sectorSize: Int64) -> (GPTHeader, Bytes)? {
        let offset = lba.clampedInt64.multipliedSaturating(sectorSize)
        guard let b = r.read(offset, Int(sectorSize)), b.matches(0, signature) else { return nil }
        let size = b.u32le(12)
        var crcOK = false
        if size >= 92, Int64(size) <= sectorSize {
            var copy = b.slice(0, Int(size))
            for i in 16..<20 { copy[i] = 0 }
            crcOK = CRC32.checksum(copy) == b.u32le(16)
        }
        let h = GPTHeader(
            revision: b.u32le(8), headerSize: size, headerCRC: b.u32le(16), headerCRCOK: crcOK,
            myLBA: b.u64le(24), alternateLBA: b.u64le(32), firstUsableLBA: b.u64le(40),
            lastUsableLBA: b.u64le(48), diskGUID: guidString(b.slice(56, 16)), entriesLBA: b.u64le(72),
            entryCount: b.u32le(80), entrySize: b.u32le(84), entriesCRC: b.u32le(88))
        return (h, b)
    }

    /// The entry array of `h` and whether its CRC matches; `nil` when unreadable or absurd.
    static func array(_ r: inout Reader, _ h: GPTHeader, sectorSize: Int64) -> (Bytes, Bool)? {
        guard let length = h.arrayLength, length > 0 else { return nil }
        let offset = h.entriesLBA.clampedInt64.multipliedSaturating(sectorSize)
        guard offset < r.size, let b = r.read(offset, length), b.count == length else { return nil }
        return (b, CRC32.checksum(b.raw) == h.entriesCRC)
    }

    /// The GPT at `sectorSize`, or `nil` when neither header is found.
    /// `protective` says whether sector 0 holds a protective MBR: only then is
    /// a backup header looked for when the primary one is absent.
    static func parse(_ r: inout Reader, sectorSize: Int64, protective: Bool) -> GPTTable? {
        let lastLBA = UInt64(r.size / sectorSize) &- 1
        guard r.size / sectorSize >= 3 else { return nil }
        var defects: [String] = []
        var regions: [Region] = []
        let primary = header(&r, lba: 1, sectorSize: sectorSize)
        var primaryGood = false
        if let (h, b) = primary {
            regions.append(headerRegion("GPT header", h, b, base: sectorSize))
            if !h.headerCRCOK { defects.append("primary GPT header: bad header CRC") }
            else if h.myLBA != 1 { defects.append("primary GPT header: MyLBA is \(h.myLBA), not 1") }
            else { primaryGood = true }
        } else if !protective {
            return nil
        }
        let backupLBA = primaryGood ? primary!.0.alternateLBA : lastLBA
        var backup: (GPTHeader, Bytes)?
        if backupLBA <= lastLBA, let found = header(&r, lba: backupLBA, sectorSize: sectorSize) {
            backup = found
            regions.append(headerRegion("GPT backup header", found.0, found.1,
                                        base: backupLBA.clampedInt64.multipliedSaturating(sectorSize)))
        }
        let backupGood = backup.map { $0.0.headerCRCOK && $0.0.myLBA == backupLBA } ?? false
        if primary == nil && backup == nil { return nil }
        if primary == nil { defects.append("primary GPT header missing") }
        if primaryGood, let p = primary?.0 {
            if p.alternateLBA > lastLBA {
                defects.append("backup GPT header missing: AlternateLBA \(p.alternateLBA) is past the end of the device (last LBA \(lastLBA))")
            } else if backup == nil {
                defects.append("backup GPT header missing at LBA \(p.alternateLBA)")
            } else if let bh = backup?.0, !bh.headerCRCOK {
                defects.append("backup GPT header: bad header CRC")
            } else if let bh = backup?.0 {
                let mismatched = mismatches(primary: p, backup: bh)
                if !mismatched.isEmpty {
                    defects.append("backup GPT header does not match the primary: " + mismatched.joined(separator: ", "))
                }
                if p.alternateLBA != lastLBA {
                    defects.append("backup GPT header is at LBA \(p.alternateLBA), not at the last LBA \(lastLBA)")
                }
            }
        } else if let bh = backup?.0, !bh.headerCRCOK {
            defects.append("backup GPT header: bad header CRC")
        }
        guard let main = primaryGood ? primary!.0 : (backupGood ? backup!.0 : primary?.0 ?? backup?.0) else { return nil }
        if !primaryGood && backupGood { defects.append("using the backup GPT header") }

        // Entry arrays: the primary's when it checks out, else the backup's,
        // else whatever there is (shown, with the defect reported).
        var primaryArray: (Bytes, Bool)?
        if let p = primary?.0 {
            primaryArray = array(&r, p, sectorSize: sectorSize)
            if let (b, ok) = primaryArray {
                regions.append(Region(name: "GPT partition array",
                                      offset: p.entriesLBA.clampedInt64.multipliedSaturating(sectorSize), length: Int64(b.count)))
                if !ok { defects.append("primary GPT partition array: bad CRC") }
            } else {
                defects.append("primary GPT partition array unreadable" + arrayProblem(p, sectorSize: sectorSize, deviceSize: r.size))
            }
        }
        var backupArray: (Bytes, Bool)?
        if let bh = backup?.0 {
            backupArray = array(&r, bh, sectorSize: sectorSize)
            if let (b, ok) = backupArray {
                regions.append(Region(name: "GPT backup partition array",
                                      offset: bh.entriesLBA.clampedInt64.multipliedSaturating(sectorSize), length: Int64(b.count)))
                if !ok { defects.append("backup GPT partition array: bad CRC") }
            }
        }
        var entries: Bytes?
        var entriesHeader = main
        if primaryGood, let (b, ok) = primaryArray, ok {
            entries = b
        } else if backupGood, let (b, ok) = backupArray, ok, let bh = backup?.0 {
            entries = b
            entriesHeader = bh
            defects.append("using the backup GPT partition array")
        } else if let (b, _) = primaryArray, let p = primary?.0 {
            entries = b
            entriesHeader = p
        } else if let (b, _) = backupArray, let bh = backup?.0 {
            entries = b
            entriesHeader = bh
        }
        var table = GPTTable(header: main, regions: regions, defects: defects)
        if let entries {
            let base = entriesHeader.entriesLBA.clampedInt64.multipliedSaturating(sectorSize)
            decodeEntries(entries, header: entriesHeader, base: base, into: &table)
        }
        return table
    }

    /// Why an array could not be read, when the header says so: `: PartitionEntryLBA … overflows`.
    static func arrayProblem(_ h: GPTHeader, sectorSize: Int64, deviceSize: Int64) -> String {
        if h.arrayLength == nil { return ": entry geometry \(h.entryCount) × \(h.entrySize) bytes is out of range" }
        let (offset, overflow) = h.entriesLBA.multipliedReportingOverflow(by: UInt64(sectorSize))
        if overflow || offset > UInt64(Int64.max) {
            return ": PartitionEntryLBA \(h.entriesLBA) × \(sectorSize) bytes overflows a 64-bit offset"
        }
        if Int64(offset) >= deviceSize { return ": PartitionEntryLBA \(h.entriesLBA) is past the end of the device" }
        return ""
    }

    /// Header fields that should agree between primary and backup but do not.
    static func mismatches(primary p: GPTHeader, backup b: GPTHeader) -> [String] {
        var out: [String] = []
        if b.alternateLBA != p.myLBA { out.append("AlternateLBA") }
        if b.diskGUID != p.diskGUID { out.append("DiskGUID") }
        if b.firstUsableLBA != p.firstUsableLBA || b.lastUsableLBA != p.lastUsableLBA { out.append("usable LBA range") }
        if b.entryCount != p.entryCount || b.entrySize != p.entrySize { out.append("entry geometry") }
        if b.entriesCRC != p.entriesCRC { out.append("PartitionEntryArrayCRC32") }
        return out
    }

    /// The used entries of the array, as partitions and regions.
    static func decodeEntries(_ b: Bytes, header h: GPTHeader, base: Int64, into table: inout GPTTable) {
        let size = Int(h.entrySize)
        guard size >= 128 else { return }
        // A hostile array can hold thousands of bad entries: list a few, count the rest.
        var reversed = 0, outside = 0
        defer {
            if reversed > DiskProbe.maxListed {
                table.defects.append("\(reversed - DiskProbe.maxListed) more GPT entries end before they start")
            }
            if outside > DiskProbe.maxListed {
                table.defects.append("\(outside - DiskProbe.maxListed) more partitions lie outside the usable LBA range")
            }
        }
        for i in 0..<(b.count / size) {
            let o = i * size
            if b.isZero(o, 16) { continue }
            let type = guidString(b.slice(o, 16)), unique = guidString(b.slice(o + 16, 16))
            let first = b.u64le(o + 32), last = b.u64le(o + 40), attributes = b.u64le(o + 48)
            let name = b.utf16(o + 56, 72)
            var reg = RegionBuilder("GPT entry \(i + 1)", base: base, bytes: b)
            reg.add("PartitionTypeGUID", o, 16, type + " (" + PartitionTypes.gptName(type) + ")")
            reg.add("UniquePartitionGUID", o + 16, 16, unique)
            reg.le("StartingLBA", o + 32, 8)
            reg.le("EndingLBA", o + 40, 8)
            reg.add("Attributes", o + 48, 8, "0x" + hex(attributes, digits: 16))
            reg.add("PartitionName", o + 56, 72, "\"" + name + "\"")
            table.regions.append(Region(name: "GPT entry \(i + 1)", offset: base + Int64(o), length: Int64(size), fields: reg.fields))
            guard last >= first else {
                reversed += 1
                if reversed <= DiskProbe.maxListed {
                    table.defects.append("GPT entry \(i + 1): EndingLBA \(last) is before StartingLBA \(first)")
                }
                continue
            }
            if first < h.firstUsableLBA || last > h.lastUsableLBA {
                outside += 1
                if outside <= DiskProbe.maxListed {
                    table.defects.append("partition \(i + 1) lies outside the usable LBA range \(h.firstUsableLBA)–\(h.lastUsableLBA)")
                }
            }
            table.partitions.append(Partition(
                index: i + 1, start: first.clampedInt64, size: (last - first).clampedInt64.addingSaturating(1),
                type: type, typeName: PartitionTypes.gptName(type), name: nonEmpty(name), guid: unique,
                bootable: attributes & 0x4 != 0, kind: .gpt))
        }
    }

    /// A region for a header sector.
    static func headerRegion(_ name: String, _ h: GPTHeader, _ b: Bytes, base: Int64) -> Region {
        var reg = RegionBuilder(name, base: base, bytes: b)
        reg.text("Signature", 0, 8)
        reg.add("Revision", 8, 4, "0x" + hex(h.revision, digits: 8))
        reg.le("HeaderSize", 12, 4)
        reg.add("HeaderCRC32", 16, 4, "0x" + hex(h.headerCRC, digits: 8) + (h.headerCRCOK ? " (ok)" : " (bad)"))
        reg.le("MyLBA", 24, 8)
        reg.le("AlternateLBA", 32, 8)
        reg.le("FirstUsableLBA", 40, 8)
        reg.le("LastUsableLBA", 48, 8)
        reg.add("DiskGUID", 56, 16, h.diskGUID)
        reg.le("PartitionEntryLBA", 72, 8)
        reg.le("NumberOfPartitionEntries", 80, 4)
        reg.le("SizeOfPartitionEntry", 84, 4)
        reg.add("PartitionEntryArrayCRC32", 88, 4, "0x" + hex(h.entriesCRC, digits: 8))
        return reg.build(length: 92)
    }
}
