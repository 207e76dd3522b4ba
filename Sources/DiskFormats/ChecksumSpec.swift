// Checksums that on-disk structures carry over themselves: what each covers,
// where it is stored, and how it is computed.

/// How a structure's checksum is computed and stored.
public enum ChecksumKind: String, Sendable, Hashable {
    /// CRC-32 (IEEE), stored little-endian: GPT headers and entry arrays.
    case crc32 = "CRC-32"
    /// ext4's superblock checksum: CRC-32C with seed ~0 and no final
    /// inversion (the kernel's `ext4_chksum(~0, …)`), stored little-endian.
    case ext4CRC32C = "crc32c"
    /// exFAT's boot-region checksum (a rotating 32-bit sum that skips
    /// VolumeFlags and PercentInUse), repeated through the checksum sector.
    case exfatBoot = "boot checksum"
    /// LUKS2: SHA-256 over the header and its JSON area with the checksum
    /// field zeroed; the 64-byte field holds the digest, then zeros.
    case sha256 = "sha256"
}

/// One checksum on the device: the bytes it covers and where it is stored.
public struct ChecksumSpec: Sendable, Hashable {
    /// What it protects: `primary GPT header`, `ext4 superblock at 0x100400`.
    public var name: String
    /// The algorithm.
    public var kind: ChecksumKind
    /// The bytes hashed, in order. Bytes of ``field`` inside them count as zero.
    public var covered: [ByteRange]
    /// Where the stored checksum is.
    public var field: ByteRange
    /// Ranges that must hold the same bytes as the first covered range (a
    /// GPT entry array's copy at the other end of the disk).
    public var copies: [ByteRange]

    /// Creates a description of a checksum.
    public init(name: String, kind: ChecksumKind, covered: [ByteRange], field: ByteRange, copies: [ByteRange] = []) {
        self.name = name
        self.kind = kind
        self.covered = covered
        self.field = field
        self.copies = copies
    }

    /// `primary GPT header CRC-32`.
    public var title: String { "\(name) \(kind.rawValue)" }

    /// Every range that must be read to check it (and to keep its copies).
    public var neededRanges: [ByteRange] { covered + [field] + copies }

    /// Whether absolute byte `offset` is covered by the checksum or is part of its field.
    public func touches(_ offset: Int64) -> Bool {
        neededRanges.contains { $0.offset <= offset && offset < $0.end }
    }

    /// Stored and computed values from `source`, or `nil` when a range is missing.
    public func evaluate(_ source: any ByteSource) -> ChecksumStatus? {
        guard field.length > 0, field.length <= 4096, let stored = source.bytes(at: field.offset, count: Int(field.length)) else { return nil }
        var data: [UInt8] = []
        for r in covered {
            guard r.length >= 0, r.length <= Int64(Reader.maxRead), var piece = source.bytes(at: r.offset, count: Int(r.length)) else { return nil }
            // The field's own bytes, where the checksum covers them, count as zero.
            let lo = max(r.offset, field.offset), hi = min(r.end, field.end)
            if lo < hi { for i in Int(lo - r.offset)..<Int(hi - r.offset) { piece[i] = 0 } }
            data += piece
        }
        return ChecksumStatus(spec: self, stored: stored, computed: Self.encode(kind, data, fieldLength: Int(field.length)))
    }

    /// The bytes the field should hold for `data` (the covered bytes, field zeroed).
    static func encode(_ kind: ChecksumKind, _ data: [UInt8], fieldLength: Int) -> [UInt8] {
        var value: [UInt8]
        switch kind {
        case .crc32: value = le32(CRC32.checksum(data))
        case .ext4CRC32C: value = le32(~CRC32C.checksum(data))
        case .exfatBoot:
            let sum = le32(exfatBootChecksum(data))
            value = (0..<(fieldLength / 4)).flatMap { _ in sum }
        case .sha256: value = SHA256Digest.hash(data)
        }
        if value.count < fieldLength { value += [UInt8](repeating: 0, count: fieldLength - value.count) }
        return Array(value.prefix(fieldLength))
    }

    /// exFAT's BootChecksum over the first 11 sectors (`data`), skipping
    /// VolumeFlags (106–107) and PercentInUse (112) of the boot sector.
    static func exfatBootChecksum(_ data: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        for (i, b) in data.enumerated() where i != 106 && i != 107 && i != 112 {
            sum = (sum & 1 != 0 ? 0x8000_0000 : 0) &+ (sum >> 1) &+ UInt32(b)
        }
        return sum
    }

    static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
    }
}

/// A checksum's stored and computed values.
public struct ChecksumStatus: Sendable, Hashable {
    /// Which checksum.
    public var spec: ChecksumSpec
    /// The field's bytes on the device.
    public var stored: [UInt8]
    /// What they should be for the covered bytes.
    public var computed: [UInt8]

    /// Creates a status.
    public init(spec: ChecksumSpec, stored: [UInt8], computed: [UInt8]) {
        self.spec = spec
        self.stored = stored
        self.computed = computed
    }

    /// Whether the stored value is the computed one.
    public var matches: Bool { stored == computed }

    /// `ext4 superblock at 0x100400 crc32c does not match: stored 0x…, computed 0x…`.
    public var mismatchDescription: String {
        "\(spec.title) at 0x\(String(spec.field.offset, radix: 16)) does not match: stored \(Self.show(stored)), computed \(Self.show(computed))"
    }

    /// A value for people: 4-byte fields as a little-endian number, longer ones as their first 8 bytes in hex.
    static func show(_ b: [UInt8]) -> String {
        if b.count == 4 { return "0x" + hex(Bytes(b).u32le(0), digits: 8, uppercase: false) }
        return hexString(Array(b.prefix(8))) + (b.count > 8 ? "…" : "")
    }
}

/// A ``ByteSource`` with some bytes replaced (staged edits seen before they are written).
public struct PatchedBytes: ByteSource {
    /// The bytes underneath.
    public let base: any ByteSource
    /// Replacement bytes by absolute offset.
    public var patches: [Int64: UInt8]

    /// `base` with `patches` over it.
    public init(base: any ByteSource, patches: [Int64: UInt8]) {
        self.base = base
        self.patches = patches
    }

    /// Size of the base.
    public var size: Int64 { base.size }

    /// The base's bytes with the patches applied.
    public func bytes(at offset: Int64, count: Int) -> [UInt8]? {
        guard var out = base.bytes(at: offset, count: count) else { return nil }
        if patches.count < count {
            for (o, v) in patches where o >= offset && o - offset < Int64(count) { out[Int(o - offset)] = v }
        } else {
            for i in 0..<count { if let v = patches[offset + Int64(i)] { out[i] = v } }
        }
        return out
    }
}
