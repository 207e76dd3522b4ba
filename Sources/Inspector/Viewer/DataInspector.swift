/// The data inspector's fields: the bytes at the cursor read as numbers,
/// times, a GUID and characters. Pure: `decode` turns bytes into the text
/// shown, `encode` turns a typed value into the bytes to stage (or says why not).
public enum InspectorField: String, CaseIterable, Sendable {
    case u8 = "u8", i8 = "i8", binary = "binary"
    case u16le = "u16 LE", u16be = "u16 BE", i16le = "i16 LE", i16be = "i16 BE"
    case u32le = "u32 LE", u32be = "u32 BE", i32le = "i32 LE", i32be = "i32 BE"
    case u64le = "u64 LE", u64be = "u64 BE", i64le = "i64 LE", i64be = "i64 BE"
    case f32le = "f32 LE", f32be = "f32 BE", f64le = "f64 LE", f64be = "f64 BE"
    case unix32 = "Unix time 32", unix64 = "Unix time 64"
    case fat = "FAT time+date", filetime = "NTFS FILETIME", ext4 = "ext4 time+extra", hfs = "HFS time"
    case guid = "GPT GUID", utf8 = "UTF-8", utf16 = "UTF-16LE"

    /// Bytes the field reads (UTF-8 and UTF-16 read up to this many).
    public var width: Int {
        switch self {
        case .u8, .i8, .binary: 1
        case .u16le, .u16be, .i16le, .i16be, .utf16: 2
        case .u32le, .u32be, .i32le, .i32be, .f32le, .f32be, .unix32, .fat, .hfs: 4
        case .u64le, .u64be, .i64le, .i64be, .f64le, .f64be, .unix64, .filetime, .ext4: 8
        case .guid: 16
        case .utf8: 4
        }
    }

    /// What typing into the field expects.
    public var hint: String {
        switch self {
        case .binary: "up to 8 binary digits"
        case .f32le, .f32be, .f64le, .f64be: "a number (1.5, -2e10, inf, nan)"
        case .unix32, .unix64, .hfs, .fat: "YYYY-MM-DD HH:MM:SS (UTC), or seconds"
        case .filetime: "YYYY-MM-DD HH:MM:SS[.fffffff] (UTC), or 100-ns ticks"
        case .ext4: "YYYY-MM-DD HH:MM:SS[.nnnnnnnnn] (UTC)"
        case .guid: "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"
        case .utf8, .utf16: "one character"
        default: "an integer (decimal or 0x hex)"
        }
    }

    static let secondsFrom1601: Int64 = 11_644_473_600
    static let secondsFrom1904: Int64 = 2_082_844_800

    /// The text for the bytes at the cursor (`bytes[i]` nil: not available).
    /// Past the end of the media: `—`; unreadable: `??`; not loaded: `…`.
    public static func text(_ f: InspectorField, cells: [ByteCell]) -> String {
        let need = f == .utf8 ? utf8Length(cells.first?.value) : f == .utf16 ? utf16Length(cells) : f.width
        let slice = cells.prefix(need)
        if slice.count < need || slice.contains(.pastEnd) { return "—" }
        if slice.contains(.unreadable) { return "??" }
        if slice.contains(.pending) { return "…" }
        return decode(f, slice.map { $0.value ?? 0 })
    }

    static func utf8Length(_ lead: UInt8?) -> Int {
        guard let b = lead else { return 1 }
        switch b {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 1
        }
    }

    static func utf16Length(_ cells: [ByteCell]) -> Int {
        guard cells.count >= 2, let high = cells[1].value else { return 2 }
        return (0xD8...0xDB).contains(high) ? 4 : 2
    }

    static func uint(_ b: [UInt8], bigEndian: Bool) -> UInt64 {
        (bigEndian ? b : b.reversed()).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Decodes complete bytes (at least the field's width, or the character's length).
    public static func decode(_ f: InspectorField, _ b: [UInt8]) -> String {
        switch f {
        case .u8: return String(b[0])
        case .i8: return String(Int8(bitPattern: b[0]))
        case .binary:
            let s = String(b[0], radix: 2)
            return String(repeating: "0", count: 8 - s.count) + s
        case .u16le, .u16be: return String(uint(Array(b.prefix(2)), bigEndian: f == .u16be))
        case .i16le, .i16be: return String(Int16(truncatingIfNeeded: uint(Array(b.prefix(2)), bigEndian: f == .i16be)))
        case .u32le, .u32be: return String(uint(Array(b.prefix(4)), bigEndian: f == .u32be))
        case .i32le, .i32be: return String(Int32(truncatingIfNeeded: uint(Array(b.prefix(4)), bigEndian: f == .i32be)))
        case .u64le, .u64be: return String(uint(Array(b.prefix(8)), bigEndian: f == .u64be))
        case .i64le, .i64be: return String(Int64(bitPattern: uint(Array(b.prefix(8)), bigEndian: f == .i64be)))
        case .f32le, .f32be: return Float(bitPattern: UInt32(uint(Array(b.prefix(4)), bigEndian: f == .f32be))).description
        case .f64le, .f64be: return Double(bitPattern: uint(Array(b.prefix(8)), bigEndian: f == .f64be)).description
        case .unix32: return InspectorTime.format(seconds: Int64(Int32(truncatingIfNeeded: uint(Array(b.prefix(4)), bigEndian: false))))
        case .unix64: return InspectorTime.format(seconds: Int64(bitPattern: uint(Array(b.prefix(8)), bigEndian: false)))
        case .hfs: return InspectorTime.format(seconds: Int64(uint(Array(b.prefix(4)), bigEndian: true)) - secondsFrom1904)
        case .fat: return fatText(time: UInt16(uint(Array(b.prefix(2)), bigEndian: false)), date: UInt16(uint(Array(b[2..<4]), bigEndian: false)))
        case .filetime:
            let ticks = uint(Array(b.prefix(8)), bigEndian: false)
            let secs = Int64(ticks / 10_000_000) - secondsFrom1601
            return InspectorTime.format(seconds: secs, fraction: "." + InspectorTime.pad(Int64(ticks % 10_000_000), 7))
        case .ext4:
            let lo = UInt32(uint(Array(b.prefix(4)), bigEndian: false))
            let extra = UInt32(uint(Array(b[4..<8]), bigEndian: false))
            let secs = Int64(Int32(bitPattern: lo)) + Int64(extra & 3) << 32
            let ns = Int64(extra >> 2)
            guard ns < 1_000_000_000 else { return "invalid (\(ns) ns in the extra field)" }
            return InspectorTime.format(seconds: secs, fraction: "." + InspectorTime.pad(ns, 9))
        case .guid: return guidText(b)
        case .utf8: return utf8Text(b)
        case .utf16: return utf16Text(b)
        }
    }

    static func fatText(time: UInt16, date: UInt16) -> String {
        let y = 1980 + Int64(date >> 9), mo = Int64(date >> 5 & 15), d = Int64(date & 31)
        let h = Int64(time >> 11), mi = Int64(time >> 5 & 63), s = Int64(time & 31) * 2
        let p = InspectorTime.pad
        let text = p(y, 4) + "-" + p(mo, 2) + "-" + p(d, 2) + " " + p(h, 2) + ":" + p(mi, 2) + ":" + p(s, 2)
        guard (1...12).contains(mo), d >= 1, d <= InspectorTime.daysIn(month: mo, year: y), h < 24, mi < 60, s < 60 else {
            return "invalid (\(text))"
        }
        return text
    }

    static func guidText(_ b: [UInt8]) -> String {
        func hex(_ r: [UInt8]) -> String { r.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined() }
        return hex(b[0..<4].reversed()) + "-" + hex(b[4..<6].reversed()) + "-" + hex(b[6..<8].reversed()) + "-" + hex(Array(b[8..<10]))
            + "-" + hex(Array(b[10..<16]))
    }

    static func character(_ v: UInt32) -> String {
        let code = String(v, radix: 16, uppercase: true)
        let u = "U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code
        guard let s = Unicode.Scalar(v), v >= 0x20, !(0x7F...0x9F).contains(v) else { return u }
        return "'\(Character(s))' " + u
    }

    static func utf8Text(_ b: [UInt8]) -> String {
        let n = utf8Length(b[0])
        if n == 1 { return b[0] < 0x80 ? character(UInt32(b[0])) : "invalid (0x\(String(b[0], radix: 16)) cannot start a character)" }
        guard b.count >= n, b[1..<n].allSatisfy({ $0 & 0xC0 == 0x80 }) else { return "invalid (truncated sequence)" }
        var v = UInt32(b[0]) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
        for k in 1..<n { v = v << 6 | UInt32(b[k] & 0x3F) }
        let minimum: UInt32 = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000
        guard v >= minimum, v <= 0x10FFFF, !(0xD800...0xDFFF).contains(v) else { return "invalid (overlong or out of range)" }
        return character(v)
    }

    static func utf16Text(_ b: [UInt8]) -> String {
        let w = UInt32(b[0]) | UInt32(b[1]) << 8
        if (0xD800...0xDBFF).contains(w) {
            guard b.count >= 4 else { return "invalid (lone surrogate)" }
            let w2 = UInt32(b[2]) | UInt32(b[3]) << 8
            guard (0xDC00...0xDFFF).contains(w2) else { return "invalid (lone surrogate)" }
            return character(0x10000 + ((w - 0xD800) << 10) + (w2 - 0xDC00))
        }
        if (0xDC00...0xDFFF).contains(w) { return "invalid (lone surrogate)" }
        return character(w)
    }
}
