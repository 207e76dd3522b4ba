// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): GPT headers and arrays.

/// CRC-32 as used by GPT (and zlib): reflected, init and final XOR `0xFFFFFFFF`.
public enum CRC32 {
    /// The byte-wise lookup table, built once.
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    /// The CRC-32 of `bytes`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable(checksum) { return crc }
        return checksum(Array(bytes))
    }

    /// The CRC-32 of a buffer (the loop runs on raw pointers: it is the hot
    /// spot of a GPT probe, and a debug build would otherwise bounds-check it).
    public static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8)
            }
            return crc ^ 0xFFFF_FFFF
        }
    }
}
