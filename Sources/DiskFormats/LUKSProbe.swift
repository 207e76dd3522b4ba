// LUKS1 and LUKS2 headers (big-endian binary header at offset 0).

/// LUKS containers (blkid TYPE `crypto_LUKS`).
enum LUKSProbe {
    static let magic: [UInt8] = [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]  // "LUKS\xba\xbe"

    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        guard limit >= 592, let b = r.read(base, 592), b.matches(0, magic) else { return nil }
        let version = b.u16be(6)
        let uuid = b.ascii(168, 40)
        var reg = RegionBuilder("LUKS\(version) header", base: base, bytes: b)
        reg.text("magic", 0, 4)
        reg.be("version", 6, 2)
        switch version {
        case 1:
            reg.text("cipher_name", 8, 32)
            reg.text("cipher_mode", 40, 32)
            reg.text("hash_spec", 72, 32)
            reg.be("payload_offset", 104, 4)
            reg.be("key_bytes", 108, 4)
            reg.be("mk_digest_iter", 164, 4)
            reg.text("uuid", 168, 40)
            return FileSystemInfo(type: "crypto_LUKS", version: "1", uuid: nonEmpty(uuid),
                                  offset: base, regions: [reg.build(length: 592)])
        case 2:
            let label = b.ascii(24, 48)
            reg.be("hdr_size", 8, 8)
            reg.be("seqid", 16, 8)
            reg.text("label", 24, 48)
            reg.text("checksum_alg", 72, 32)
            reg.text("uuid", 168, 40)
            reg.text("subsystem", 208, 48)
            reg.be("hdr_offset", 256, 8)
            return FileSystemInfo(type: "crypto_LUKS", version: "2", label: nonEmpty(label),
                                  uuid: nonEmpty(uuid), offset: base, regions: [reg.build(length: 512)])
        default:
            return nil
        }
    }
}
