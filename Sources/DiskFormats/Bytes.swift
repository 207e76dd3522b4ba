// Bounds-checked reads from a buffer: every accessor answers 0 or "" out of range.

/// A buffer with total (never trapping) accessors; out-of-range reads yield zero.
struct Bytes: Sendable {
    let raw: [UInt8]

    init(_ raw: [UInt8]) { self.raw = raw }

    var count: Int { raw.count }

    /// The byte at `i`, or 0 when out of range.
    subscript(i: Int) -> UInt8 {
        i >= 0 && i < raw.count ? raw[i] : 0
    }

    /// Whether `count` bytes at `offset` lie inside the buffer.
    func has(_ offset: Int, _ count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= raw.count && count <= raw.count - offset
    }

    /// Up to `count` bytes at `offset` (clamped to the buffer).
    func slice(_ offset: Int, _ count: Int) -> [UInt8] {
        guard offset >= 0, count > 0, offset < raw.count else { return [] }
        let end = count > raw.count - offset ? raw.count : offset + count
        return Array(raw[offset..<end])
    }

    func u8(_ o: Int) -> UInt8 { self[o] }
    func u16le(_ o: Int) -> UInt16 { UInt16(truncatingIfNeeded: uintLE(o, 2)) }
    func u32le(_ o: Int) -> UInt32 { UInt32(truncatingIfNeeded: uintLE(o, 4)) }
    func u64le(_ o: Int) -> UInt64 { uintLE(o, 8) }
    func u16be(_ o: Int) -> UInt16 { UInt16(truncatingIfNeeded: uintBE(o, 2)) }
    func u32be(_ o: Int) -> UInt32 { UInt32(truncatingIfNeeded: uintBE(o, 4)) }
    func u64be(_ o: Int) -> UInt64 { uintBE(o, 8) }

    /// A little-endian unsigned integer of `length` (≤ 8) bytes.
    func uintLE(_ o: Int, _ length: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in stride(from: min(length, 8) - 1, through: 0, by: -1) {
            v = v << 8 | UInt64(self[o &+ i])
        }
        return v
    }

    /// A big-endian unsigned integer of `length` (≤ 8) bytes.
    func uintBE(_ o: Int, _ length: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<min(length, 8) {
            v = v << 8 | UInt64(self[o &+ i])
        }
        return v
    }

    /// Whether the bytes at `offset` equal `magic`.
    func matches(_ offset: Int, _ magic: [UInt8]) -> Bool {
        guard has(offset, magic.count) else { return false }
        for (i, b) in magic.enumerated() where raw[offset + i] != b { return false }
        return true
    }

    /// Whether the bytes at `offset` spell the ASCII `text`.
    func matches(_ offset: Int, _ text: String) -> Bool {
        matches(offset, Array(text.utf8))
    }

    /// Whether every byte of the range is zero (an out-of-range part counts as zero).
    func isZero(_ offset: Int, _ count: Int) -> Bool {
        slice(offset, count).allSatisfy { $0 == 0 }
    }

    /// Text up to the first NUL, invalid UTF-8 repaired, trailing spaces trimmed.
    func ascii(_ offset: Int, _ count: Int) -> String {
        var s = slice(offset, count)
        if let nul = s.firstIndex(of: 0) { s.removeSubrange(nul...) }
        while let last = s.last, last == 0x20 { s.removeLast() }
        return String(decoding: s, as: UTF8.self)
    }

    /// UTF-16 text of `count` bytes (little- or big-endian), up to the first NUL.
    func utf16(_ offset: Int, _ count: Int, bigEndian: Bool = false) -> String {
        let s = slice(offset, count)
        var units: [UInt16] = []
        var i = 0
        while i + 1 < s.count {
            let u = bigEndian ? UInt16(s[i]) << 8 | UInt16(s[i + 1]) : UInt16(s[i + 1]) << 8 | UInt16(s[i])
            if u == 0 { break }
            units.append(u)
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}

/// ASCII hex digits.
private let lowerDigits: [UInt8] = Array("0123456789abcdef".utf8)
private let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

/// `value` in upper-case hex, zero-padded to `digits`.
func hex<T: BinaryInteger>(_ value: T, digits: Int = 0, uppercase: Bool = true) -> String {
    let s = String(value, radix: 16, uppercase: uppercase)
    return s.count >= digits ? s : String(repeating: "0", count: digits - s.count) + s
}

/// `bytes` as hex, no separators.
func hexString(_ bytes: [UInt8], uppercase: Bool = false) -> String {
    let table = uppercase ? upperDigits : lowerDigits
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(table[Int(b >> 4)])
        out.append(table[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// 16 bytes as a UUID in on-disk (big-endian) order: `2c1f…-…`, lower case, as blkid prints it.
func uuidString(_ b: [UInt8], uppercase: Bool = false) -> String {
    guard b.count == 16 else { return "" }
    let table = uppercase ? upperDigits : lowerDigits
    var out: [UInt8] = []
    out.reserveCapacity(36)
    for (i, byte) in b.enumerated() {
        if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
        out.append(table[Int(byte >> 4)])
        out.append(table[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// 16 bytes as a GUID in Microsoft mixed-endian order (GPT), upper case.
func guidString(_ b: [UInt8]) -> String {
    guard b.count == 16 else { return "" }
    let swapped = [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]
    return uuidString(swapped, uppercase: true)
}
