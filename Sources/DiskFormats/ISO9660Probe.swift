// ISO 9660 volume descriptors (from sector 16 of 2048 bytes), with Joliet.

/// ISO 9660 (with the Joliet supplementary descriptor when present).
enum ISO9660Probe {
    static let sector: Int64 = 2048
    static let firstDescriptor: Int64 = 16
    static let maxDescriptors: Int64 = 32

    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= (firstDescriptor + 1) * sector,
              let pvd = r.read(base + firstDescriptor * sector, Int(sector)),
              pvd[0] == 1, pvd.matches(1, "CD001") else { return nil }
        var joliet: Bytes?
        var index = firstDescriptor + 1
        while index < firstDescriptor + maxDescriptors, (index + 1) * sector <= limit,
              let d = r.read(base + index * sector, Int(sector)), d.matches(1, "CD001") {
            if d[0] == 255 { break }
            if d[0] == 2, d[88] == 0x25, d[89] == 0x2F, [0x40, 0x43, 0x45].contains(d[90]) {
                joliet = d
                break
            }
            index += 1
        }
        let ascii = pvd.ascii(40, 32)
        var label = ascii
        if let joliet {
            label = merged(joliet: joliet, ascii: pvd) ?? trimmed(joliet.utf16(40, 32, bigEndian: true))
        }
        let uuid = dateUUID(pvd, 830) ?? dateUUID(pvd, 813)
        let blockSize = Int64(pvd.u16le(128))
        var reg = RegionBuilder("ISO 9660 primary volume descriptor", base: base + firstDescriptor * sector, bytes: pvd)
        reg.le("type", 0, 1)
        reg.text("id", 1, 5)
        reg.le("version", 6, 1)
        reg.text("system_id", 8, 32)
        reg.text("volume_id", 40, 32)
        reg.le("volume_space_size", 80, 4)
        reg.le("volume_set_size", 120, 2)
        reg.le("logical_block_size", 128, 2)
        reg.le("path_table_size", 132, 4)
        reg.text("volume_set_id", 190, 128)
        reg.text("publisher_id", 318, 128)
        reg.text("data_preparer_id", 446, 128)
        reg.text("application_id", 574, 128)
        reg.text("creation_date", 813, 16)
        reg.text("modification_date", 830, 16)
        return FileSystemInfo(
            type: "iso9660", version: joliet == nil ? nil : "Joliet Extension",
            label: nonEmpty(label), uuid: uuid, blockSize: blockSize,
            size: Int64(pvd.u32le(80)) * blockSize, offset: base, regions: [reg.build(length: 2048)])
    }

    /// blkid's merge of the Joliet (UTF-16BE, 16 characters) and the ASCII
    /// (32 characters) volume ids: the Joliet characters while they agree with
    /// the ASCII ones (ignoring case, `_` standing for non-ASCII), then the rest
    /// of the ASCII id. `nil` when they disagree.
    static func merged(joliet: Bytes, ascii: Bytes) -> String? {
        var units: [UInt16] = []
        for i in 0..<16 {
            let u = joliet.u16be(40 + i * 2)
            let a = ascii[40 + i]
            if a == UInt8(ascii: "_") && u >= 0x80 {
                units.append(u)
            } else if u < 0x80, upper(UInt8(u)) == upper(a) {
                units.append(u)
            } else {
                return nil
            }
        }
        for i in 16..<32 { units.append(UInt16(ascii[40 + i])) }
        return trimmed(String(decoding: units, as: UTF16.self))
    }

    static func upper(_ c: UInt8) -> UInt8 { c >= 0x61 && c <= 0x7A ? c - 0x20 : c }

    static func trimmed(_ s: String) -> String {
        var chars = Array(s.unicodeScalars)
        while let last = chars.last, last == " " || last == "\0" { chars.removeLast() }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: chars)
        return String(out)
    }

    /// blkid's UUID for ISO 9660: the date as `YYYY-MM-DD-HH-MM-SS-cc`; `nil` when unset.
    static func dateUUID(_ b: Bytes, _ offset: Int) -> String? {
        let digits = b.slice(offset, 16)
        guard digits.count == 16 else { return nil }
        if digits.allSatisfy({ $0 == UInt8(ascii: "0") }) && b[offset + 16] == 0 { return nil }
        if digits.allSatisfy({ $0 == 0 }) { return nil }
        let c: [Character] = digits.map { Character(Unicode.Scalar($0)) }
        let cuts: [Range<Int>] = [0..<4, 4..<6, 6..<8, 8..<10, 10..<12, 12..<14, 14..<16]
        let parts: [String] = cuts.map { String(c[$0]) }
        return parts.joined(separator: "-")
    }
}
