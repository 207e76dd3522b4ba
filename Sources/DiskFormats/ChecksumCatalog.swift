// Which checksums a probed device carries, and what staged edits do to them.

/// What an edit does to one checksum.
public struct ChecksumImpact: Sendable, Hashable {
    /// The checksum.
    public var spec: ChecksumSpec
    /// Whether it matched before the edit (else it was already wrong).
    public var matchedBefore: Bool
    /// The bytes that make it match after the edit: the field's new value,
    /// and the edited bytes copied into the structure's copies (GPT's other
    /// entry array), by absolute offset.
    public var fix: [Int64: UInt8]

    /// Creates an impact.
    public init(spec: ChecksumSpec, matchedBefore: Bool, fix: [Int64: UInt8]) {
        self.spec = spec
        self.matchedBefore = matchedBefore
        self.fix = fix
    }

    /// Whether the fix also copies edited bytes into a copy of the structure.
    public var mirrors: Bool { fix.keys.contains { !spec.field.contains($0) } }
}

extension ByteRange {
    /// Whether absolute byte `offset` lies inside.
    public func contains(_ offset: Int64) -> Bool { self.offset <= offset && offset < end }
}

/// Finds the checksummed structures of a ``DiskLayout``: GPT headers and entry
/// arrays (primary and backup), ext4 superblocks with metadata_csum, exFAT
/// boot regions (main and backup) and LUKS2 headers (primary and secondary).
public enum ChecksumCatalog {
    /// ext4's RO_COMPAT_METADATA_CSUM.
    static let metadataCsum: UInt32 = 0x400
    /// LUKS2's secondary-header magic ("SKUL\xba\xbe").
    static let luks2SecondaryMagic: [UInt8] = [0x53, 0x4B, 0x55, 0x4C, 0xBA, 0xBE]

    /// The checksums of `layout`, read from `source`; `missing` lists what the
    /// source lacked (read it and ask again). A checksum whose field depends on
    /// another's (a GPT header holds its array's CRC) comes after it.
    public static func specs(for layout: DiskLayout, in source: any ByteSource) -> (specs: [ChecksumSpec], missing: [ByteRange]) {
        var r = Reader(source)
        var out: [ChecksumSpec] = []
        if layout.scheme == .gpt { out += gpt(&r, sectorSize: Int64(layout.sectorSize)) }
        var filesystems = layout.partitions.compactMap(\.filesystem)
        if let fs = layout.filesystem { filesystems.append(fs) }
        for fs in filesystems {
            switch fs.type {
            case "ext2", "ext3", "ext4": out += ext(&r, fs.offset)
            case "exfat": out += exfat(&r, fs.offset)
            case "crypto_LUKS" where fs.version == "2": out += luks2(&r, fs.offset)
            default: break
            }
        }
        return (out, r.missing)
    }

    /// The checksums that staged bytes break, each with the bytes that repair
    /// it. `specs` in the order ``specs(for:in:)`` gives; each fix is applied
    /// before the next checksum is computed, so a GPT header's CRC covers its
    /// array's new CRC, and an edited entry array is copied into its copy
    /// (whose CRCs then follow). `nil` when a range is missing from `original`.
    public static func impacts(_ specs: [ChecksumSpec], original: any ByteSource, patches: [Int64: UInt8]) -> [ChecksumImpact]? {
        var patched = PatchedBytes(base: original, patches: patches)
        var changed = Set(patches.keys)
        var found: [Int: ChecksumImpact] = [:]
        // A copy made late (the backup array edited) touches specs listed
        // earlier: go round again until nothing changes (two rounds suffice).
        for _ in 0..<3 {
            var progressed = false
            for (index, spec) in specs.enumerated() where changed.contains(where: spec.touches) {
                var fix: [Int64: UInt8] = [:]
                if let source = spec.covered.first {
                    for o in changed where source.contains(o) {
                        guard let v = patched.bytes(at: o, count: 1)?.first else { return nil }
                        for copy in spec.copies where copy.length == source.length {
                            let target = copy.offset + (o - source.offset)
                            if patched.bytes(at: target, count: 1)?.first != v { fix[target] = v }
                        }
                    }
                }
                for (o, v) in fix { patched.patches[o] = v }
                guard let before = spec.evaluate(original), let after = spec.evaluate(patched) else { return nil }
                if !after.matches {
                    for (i, b) in after.computed.enumerated() { fix[spec.field.offset + Int64(i)] = b }
                }
                guard !fix.isEmpty else { continue }
                for (o, v) in fix {
                    patched.patches[o] = v
                    changed.insert(o)
                }
                var impact = found[index] ?? ChecksumImpact(spec: spec, matchedBefore: before.matches, fix: [:])
                impact.fix.merge(fix) { _, new in new }
                found[index] = impact
                progressed = true
            }
            if !progressed { break }
        }
        return found.keys.sorted().compactMap { found[$0] }
    }

    // MARK: - The structures

    static func gpt(_ r: inout Reader, sectorSize ss: Int64) -> [ChecksumSpec] {
        let lastLBA = r.size / ss - 1
        guard lastLBA >= 2 else { return [] }
        var backupLBA = lastLBA
        var primary: [ChecksumSpec] = []
        if let h = gptHeader(&r, lba: 1, sectorSize: ss, name: "primary") {
            primary = h.specs
            if h.alternate > 1, h.alternate <= lastLBA { backupLBA = h.alternate }
        }
        var backup = gptHeader(&r, lba: backupLBA, sectorSize: ss, name: "backup")?.specs ?? []
        // Each entry array is the other's copy: an edit to one belongs in both.
        if primary.count == 2, backup.count == 2, primary[0].covered[0].length == backup[0].covered[0].length {
            primary[0].copies = backup[0].covered
            backup[0].copies = primary[0].covered
        }
        return primary + backup
    }

    /// A GPT header's CRC and its array's, the array's first.
    static func gptHeader(_ r: inout Reader, lba: Int64, sectorSize ss: Int64, name: String) -> (specs: [ChecksumSpec], alternate: Int64)? {
        let at = lba.multipliedSaturating(ss)
        guard at < r.size, let b = r.read(at, Int(ss)), b.matches(0, GPTParser.signature) else { return nil }
        let headerSize = Int64(b.u32le(12))
        guard headerSize >= 92, headerSize <= ss else { return nil }
        var specs: [ChecksumSpec] = []
        let entries = b.u64le(72).clampedInt64, count = Int64(b.u32le(80)), size = Int64(b.u32le(84))
        let (arrayLength, o1) = count.multipliedReportingOverflow(by: size)
        let (arrayAt, o2) = entries.multipliedReportingOverflow(by: ss)
        if !o1, !o2, size >= 128, arrayLength > 0, arrayLength <= Int64(GPTHeader.maxArrayLength), arrayAt < r.size,
           arrayLength <= r.size - arrayAt {
            specs.append(ChecksumSpec(name: "\(name) GPT partition array", kind: .crc32,
                                      covered: [ByteRange(offset: arrayAt, length: arrayLength)],
                                      field: ByteRange(offset: at + 88, length: 4)))
        }
        specs.append(ChecksumSpec(name: "\(name) GPT header", kind: .crc32,
                                  covered: [ByteRange(offset: at, length: headerSize)],
                                  field: ByteRange(offset: at + 16, length: 4)))
        return (specs, b.u64le(32).clampedInt64)
    }

    static func ext(_ r: inout Reader, _ base: Int64) -> [ChecksumSpec] {
        let sb = base.addingSaturating(1024)
        guard let b = r.read(sb, 1024), b.count == 1024, b.u16le(56) == 0xEF53,
              b.u32le(100) & metadataCsum != 0, b.u8(0x175) == 1 else { return [] }
        return [ChecksumSpec(name: "ext4 superblock at 0x\(String(sb, radix: 16))", kind: .ext4CRC32C,
                             covered: [ByteRange(offset: sb, length: 0x3FC)], field: ByteRange(offset: sb + 0x3FC, length: 4))]
    }

    static func exfat(_ r: inout Reader, _ base: Int64) -> [ChecksumSpec] {
        guard let b = r.read(base, 512), b.matches(3, "EXFAT   ") else { return [] }
        let shift = Int64(b.u8(108))
        guard shift >= 9, shift <= 12 else { return [] }
        let bps = Int64(1) << shift
        var out: [ChecksumSpec] = []
        for (name, first) in [("main", Int64(0)), ("backup", Int64(12))] {
            let at = base.addingSaturating(first * bps)
            guard at.addingSaturating(12 * bps) <= r.size else { continue }
            if first > 0 { guard let bb = r.read(at, 512), bb.matches(3, "EXFAT   ") else { continue } }
            out.append(ChecksumSpec(name: "exFAT \(name) boot region at 0x\(String(at, radix: 16))", kind: .exfatBoot,
                                    covered: [ByteRange(offset: at, length: 11 * bps)],
                                    field: ByteRange(offset: at + 11 * bps, length: bps)))
        }
        return out
    }

    static func luks2(_ r: inout Reader, _ base: Int64) -> [ChecksumSpec] {
        guard let b = r.read(base, 512), b.matches(0, LUKSProbe.magic), b.u16be(6) == 2, b.ascii(72, 32) == "sha256" else { return [] }
        let hdrSize = b.u64be(8).clampedInt64
        // The header plus its JSON area: 16 KiB … 4 MiB, a power of two (LUKS2 spec).
        guard hdrSize >= 16384, hdrSize <= Int64(Reader.maxRead), hdrSize & (hdrSize - 1) == 0 else { return [] }
        var out: [ChecksumSpec] = []
        for (name, at, magic) in [("primary", base, LUKSProbe.magic), ("secondary", base.addingSaturating(hdrSize), luks2SecondaryMagic)] {
            guard at.addingSaturating(hdrSize) <= r.size, let h = r.read(at, 512), h.matches(0, magic) else { continue }
            out.append(ChecksumSpec(name: "LUKS2 \(name) header at 0x\(String(at, radix: 16))", kind: .sha256,
                                    covered: [ByteRange(offset: at, length: hdrSize)],
                                    field: ByteRange(offset: at + 448, length: 64)))
        }
        return out
    }
}
