import Glibc

/// Finds a pattern by looking for its rarest byte with `memchr` (vectorised
/// in glibc, near memory speed) and checking each candidate with `memcmp`,
/// the way fast `grep -F` implementations do. glibc's `memmem` is not
/// vectorised and ran at half of `grep -F`'s speed here.
///
/// "Rarest" follows a fixed guess of byte frequencies on disks: zeros, 0xff,
/// spaces and lower-case letters are common; punctuation, upper case and
/// control bytes are rare.
public struct RareByteFinder: Sendable {
    public let pattern: [UInt8]
    /// Index in the pattern of the byte searched with memchr, and its value.
    public let rareIndex: Int
    public let rareByte: UInt8

    public init(pattern: [UInt8]) {
        precondition(!pattern.isEmpty, "empty pattern")
        self.pattern = pattern
        var best = 0
        for i in pattern.indices where Self.rank(pattern[i]) < Self.rank(pattern[best]) { best = i }
        rareIndex = best
        rareByte = pattern[best]
    }

    /// The first start index `>= from` of the pattern wholly inside `hay[0..<n]`.
    @inline(__always)
    public func first(in hay: UnsafeRawPointer, count n: Int, from: Int) -> Int? {
        let m = pattern.count
        guard n - from >= m else { return nil }
        return pattern.withUnsafeBytes { pb -> Int? in
            let pat = pb.baseAddress!
            var pos = from + rareIndex  // where the rare byte may be, at the earliest
            let last = n - m + rareIndex  // and at the latest
            while pos <= last {
                guard let hit = memchr(hay + pos, Int32(rareByte), last - pos + 1) else { return nil }
                let h = UnsafeRawPointer(hit) - hay
                let start = h - rareIndex
                if memcmp(hay + start, pat, m) == 0 { return start }
                pos = h + 1
            }
            return nil
        }
    }

    /// Lower is rarer (a guess for disk contents: text, code, zeros, 0xff fill).
    static func rank(_ b: UInt8) -> Int {
        switch b {
        case 0x00, 0xFF: 100
        case 0x20, 0x65, 0x74, 0x61, 0x6F, 0x69, 0x6E, 0x73, 0x72, 0x68: 90  // space, e t a o i n s r h
        case 0x61...0x7A: 80  // other lower case
        case 0x0A, 0x0D, 0x09, 0x01: 70
        case 0x30...0x39: 60  // digits
        case 0x2E, 0x2C, 0x2F, 0x2D, 0x5F, 0x3A: 55  // . , / - _ :
        case 0x41...0x5A: 40  // upper case
        case 0x80...0xFE: 30
        case 0x21...0x7E: 20  // other punctuation
        default: 25  // control bytes
        }
    }
}
