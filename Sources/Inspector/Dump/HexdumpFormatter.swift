/// Formats bytes exactly as `hexdump -C` (util-linux) does: 16 bytes a line,
/// `%08.8_ax` offsets (more digits past 4 GiB), a line equal to the one before
/// replaced by a single `*`, a partial last line padded in the hex columns,
/// and the offset of the end on a line of its own.
///
/// Streaming: feed the range's bytes in pieces of any size, then `finish`.
/// Lines are written with raw stores from precomputed tables into a
/// `DumpBuffer` (79 bytes per 16-byte line).
public struct HexdumpFormatter {
    /// Bytes of one full line: offset(8) + 2 + 16×3 + 1 + `|` + 16 + `|` + `\n`.
    public static let lineBytes = 79

    /// The file offset of the next byte to feed.
    public private(set) var offset: Int64
    private var carry: [UInt8] = []
    private var prev: (UInt64, UInt64) = (0, 0)
    private var hasPrev = false
    private var squeezing = false
    private var fed: Int64 = 0

    /// `start` is the file offset of the first byte (hexdump's `-s`).
    public init(start: Int64) {
        offset = start
        carry.reserveCapacity(16)
    }

    /// The most output `feed` can produce for `n` input bytes.
    public static func maxOutput(for n: Int) -> Int { (n / 16 + 2) * (lineBytes + 8) }

    /// Formats the full lines in `bytes` (keeping a partial line for the next call).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into out: DumpBuffer) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        fed += Int64(bytes.count)
        var i = 0
        if !carry.isEmpty {
            let take = min(16 - carry.count, bytes.count)
            carry.append(contentsOf: UnsafeRawBufferPointer(start: src, count: take))
            i = take
            guard carry.count == 16 else { return }
            let c = carry
            carry.removeAll(keepingCapacity: true)
            c.withUnsafeBytes { emitLines($0.baseAddress!, lines: 1, into: out) }
        }
        let lines = (bytes.count - i) / 16
        if lines > 0 { emitLines(src + i, lines: lines, into: out) }
        i += lines * 16
        if i < bytes.count {
            carry.append(contentsOf: UnsafeRawBufferPointer(start: src + i, count: bytes.count - i))
        }
    }

    /// Writes the partial last line and the final offset line. Nothing at all
    /// when no byte was fed and `emptyRange` is true (`hexdump -n 0`).
    public mutating func finish(into out: DumpBuffer, emptyRange: Bool = false) {
        if fed == 0 && emptyRange { return }
        if !carry.isEmpty {
            let p = out.reserve(Self.lineBytes + 8)
            let w = Self.writeOffset(offset, to: p)
            let q = p + w
            q.update(repeating: 0x20, count: 52)  // spaces through the column before `|`
            for (k, b) in carry.enumerated() {
                let h = Self.hexPairs[Int(b)]
                q[2 + 3 * k + (k >= 8 ? 1 : 0)] = UInt8(truncatingIfNeeded: h)
                q[3 + 3 * k + (k >= 8 ? 1 : 0)] = UInt8(truncatingIfNeeded: h >> 8)
            }
            q[52] = 0x7C  // |
            for (k, b) in carry.enumerated() { q[53 + k] = Self.printable(b) }
            q[53 + carry.count] = 0x7C
            q[54 + carry.count] = 0x0A
            out.commit(w + 55 + carry.count)
            offset += Int64(carry.count)
            carry.removeAll()
        }
        let p = out.reserve(24)
        let w = Self.writeOffset(offset, to: p)
        p[w] = 0x0A
        out.commit(w + 1)
    }

    @inline(__always)
    private mutating func emitLines(_ src: UnsafeRawPointer, lines: Int, into out: DumpBuffer) {
        let table = Self.hexQuads
        let shown = Self.shown
        var p = out.reserve(lines * (Self.lineBytes + 8))
        let start = p
        var line = src
        for _ in 0..<lines {
            let a = line.loadUnaligned(as: UInt64.self)
            let b = line.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            if hasPrev && a == prev.0 && b == prev.1 {
                if !squeezing {
                    p[0] = 0x2A  // *
                    p[1] = 0x0A
                    p += 2
                    squeezing = true
                }
            } else {
                squeezing = false
                prev = (a, b)
                hasPrev = true
                let w = offset < 0x1_0000_0000 ? Self.writeOffset32(UInt32(offset), to: p) : Self.writeOffset(offset, to: p)
                let q = UnsafeMutableRawPointer(p + w)
                q.storeBytes(of: 0x2020, as: UInt16.self)
                table.withUnsafeBufferPointer { t in
                    // Each store writes "hh  "; the next store overwrites the
                    // trailing space, and after bytes 7 and 15 it is the gap.
                    for k in 0..<8 {
                        q.storeBytes(of: t[Int(line.load(fromByteOffset: k, as: UInt8.self))],
                                     toByteOffset: 2 + 3 * k, as: UInt32.self)
                    }
                    for k in 8..<16 {
                        q.storeBytes(of: t[Int(line.load(fromByteOffset: k, as: UInt8.self))],
                                     toByteOffset: 3 + 3 * k, as: UInt32.self)
                    }
                }
                q.storeBytes(of: 0x7C, toByteOffset: 52, as: UInt8.self)
                shown.withUnsafeBufferPointer { t in
                    // Two 8-byte words of characters; no SIMD masks (they compile to byte loops).
                    var lo: UInt64 = 0
                    var hi: UInt64 = 0
                    for k in 0..<8 {
                        lo |= UInt64(t[Int(line.load(fromByteOffset: k, as: UInt8.self))]) << (8 * k)
                        hi |= UInt64(t[Int(line.load(fromByteOffset: 8 + k, as: UInt8.self))]) << (8 * k)
                    }
                    q.storeBytes(of: lo, toByteOffset: 53, as: UInt64.self)
                    q.storeBytes(of: hi, toByteOffset: 61, as: UInt64.self)
                }
                q.storeBytes(of: 0x0A7C, toByteOffset: 69, as: UInt16.self)  // "|\n"
                p += w + 71
            }
            offset += 16
            line += 16
        }
        out.commit(p - start)
    }

    /// `%08x` of a 32-bit offset: 8 bytes.
    @inline(__always)
    static func writeOffset32(_ v: UInt32, to p: UnsafeMutablePointer<UInt8>) -> Int {
        let t = hexPairs
        let r = UnsafeMutableRawPointer(p)
        r.storeBytes(of: t[Int(v >> 24)], as: UInt16.self)
        r.storeBytes(of: t[Int((v >> 16) & 0xFF)], toByteOffset: 2, as: UInt16.self)
        r.storeBytes(of: t[Int((v >> 8) & 0xFF)], toByteOffset: 4, as: UInt16.self)
        r.storeBytes(of: t[Int(v & 0xFF)], toByteOffset: 6, as: UInt16.self)
        return 8
    }

    /// `%08.8_ax`: lower-case hex, at least 8 digits.
    static func writeOffset(_ v: Int64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if v >= 0 && v < 0x1_0000_0000 { return writeOffset32(UInt32(v), to: p) }
        let digits = Array(String(UInt64(bitPattern: v), radix: 16).utf8)
        for (i, d) in digits.enumerated() { p[i] = d }
        return digits.count
    }

    @inline(__always)
    static func printable(_ b: UInt8) -> UInt8 { b >= 0x20 && b < 0x7F ? b : 0x2E }

    /// Two lower-case hex digits per byte, little-endian in a UInt16.
    static let hexPairs: [UInt16] = (0..<256).map { b in
        let d = Array("0123456789abcdef".utf8)
        return UInt16(d[b >> 4]) | UInt16(d[b & 15]) << 8
    }

    /// The character column: printable ASCII as itself, the rest as `.`.
    static let shown: [UInt8] = (0..<256).map { printable(UInt8($0)) }

    /// "hh  " per byte, little-endian in a UInt32.
    static let hexQuads: [UInt32] = hexPairs.map { UInt32($0) | 0x2020_0000 }
}
