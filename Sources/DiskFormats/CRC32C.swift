/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as in iSCSI, ext4
/// metadata and btrfs: the checksum of each undo-journal record and of an
/// ext4 superblock (``ChecksumKind/ext4CRC32C``). Check value:
/// `CRC32C.checksum("123456789") == 0xE3069283`.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// The CRC-32C of `bytes`, continuing from `crc` (0 to start).
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    /// The CRC-32C of a UTF-8 string's bytes.
    public static func checksum(_ text: String) -> UInt32 { checksum(Array(text.utf8)) }
}
