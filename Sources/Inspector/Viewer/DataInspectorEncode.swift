/// A typed value that cannot be staged: one line saying why.
public struct InspectorValueError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ text: String) { description = text }
}

extension InspectorField {
    /// The bytes that store `text` in this field, or why they cannot.
    public func encode(_ text: String) throws(InspectorValueError) -> [UInt8] {
        let t = text.inspectorTrimmed()
        guard !t.isEmpty else { throw InspectorValueError("\(rawValue): type \(hint)") }
        switch self {
        case .u8: return try bytes(unsigned(t, bits: 8), 1, big: false)
        case .i8: return try bytes(UInt64(bitPattern: signed(t, bits: 8)), 1, big: false)
        case .binary:
            guard t.count <= 8, let v = UInt8(t, radix: 2) else { throw InspectorValueError("binary: type up to 8 binary digits (got '\(t)')") }
            return [v]
        case .u16le, .u16be: return try bytes(unsigned(t, bits: 16), 2, big: self == .u16be)
        case .i16le, .i16be: return try bytes(UInt64(bitPattern: signed(t, bits: 16)), 2, big: self == .i16be)
        case .u32le, .u32be: return try bytes(unsigned(t, bits: 32), 4, big: self == .u32be)
        case .i32le, .i32be: return try bytes(UInt64(bitPattern: signed(t, bits: 32)), 4, big: self == .i32be)
        case .u64le, .u64be: return try bytes(unsigned(t, bits: 64), 8, big: self == .u64be)
        case .i64le, .i64be: return try bytes(UInt64(bitPattern: signed(t, bits: 64)), 8, big: self == .i64be)
        case .f32le, .f32be:
            guard let d = Double(t) else { throw InspectorValueError("\(rawValue): '\(t)' is not a number") }
            let f = Float(d)
            if d.isFinite && !f.isFinite { throw InspectorValueError("\(rawValue): \(t) does not fit a 32-bit float (at most ±3.4028235e38)") }
            return try bytes(UInt64(f.bitPattern), 4, big: self == .f32be)
        case .f64le, .f64be:
            guard let d = Double(t) else { throw InspectorValueError("\(rawValue): '\(t)' is not a number") }
            return try bytes(d.bitPattern, 8, big: self == .f64be)
        case .unix32:
            let s = try seconds(t)
            guard let v = Int32(exactly: s) else { throw InspectorValueError("Unix time 32: \(t) does not fit 32 bits (1901-12-13 20:45:52 to 2038-01-19 03:14:07)") }
            return try bytes(UInt64(bitPattern: Int64(v)), 4, big: false)
        case .unix64: return try bytes(UInt64(bitPattern: seconds(t)), 8, big: false)
        case .hfs:
            let s = try seconds(t) + Self.secondsFrom1904
            guard let v = UInt32(exactly: s) else { throw InspectorValueError("HFS time: \(t) is outside 1904-01-01 to 2040-02-06 06:28:15") }
            return try bytes(UInt64(v), 4, big: true)
        case .fat: return try fat(t)
        case .filetime: return try filetime(t)
        case .ext4: return try ext4(t)
        case .guid: return try guid(t)
        case .utf8, .utf16:
            guard t.count == 1 || text.count == 1, let c = (text.count == 1 ? text : t).first else {
                throw InspectorValueError("\(rawValue): type one character (got '\(t)')")
            }
            return self == .utf8 ? Array(String(c).utf8) : String(c).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        }
    }

    private func bytes(_ v: UInt64, _ n: Int, big: Bool) throws(InspectorValueError) -> [UInt8] {
        let le = (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
        return big ? le.reversed() : le
    }

    /// `123`, `0x7b`, `-5` as a 128-bit-safe value (nil when not a number).
    private func integer(_ t: String) -> (negative: Bool, magnitude: UInt64)? {
        var s = Substring(t)
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        let hex = s.lowercased().hasPrefix("0x")
        if hex { s = s.dropFirst(2) }
        guard !s.isEmpty, let m = UInt64(s, radix: hex ? 16 : 10) else { return nil }
        return (negative, m)
    }

    private func unsigned(_ t: String, bits: Int) throws(InspectorValueError) -> UInt64 {
        let max: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
        guard let (neg, m) = integer(t) else { throw InspectorValueError("\(rawValue): '\(t)' is not an integer") }
        guard !neg || m == 0, m <= max else { throw InspectorValueError("\(rawValue): \(t) does not fit (0…\(max))") }
        return m
    }

    private func signed(_ t: String, bits: Int) throws(InspectorValueError) -> Int64 {
        let maxPositive: UInt64 = (1 << UInt64(bits - 1)) - 1
        guard let (neg, m) = integer(t) else { throw InspectorValueError("\(rawValue): '\(t)' is not an integer") }
        let range = "\(-Int64(bitPattern: maxPositive) - 1)…\(maxPositive)"
        if neg {
            guard m <= maxPositive + 1 else { throw InspectorValueError("\(rawValue): \(t) does not fit (\(range))") }
            return m == maxPositive + 1 ? -Int64(bitPattern: maxPositive) - 1 : -Int64(m)
        }
        guard m <= maxPositive else { throw InspectorValueError("\(rawValue): \(t) does not fit (\(range))") }
        return Int64(m)
    }

    /// A date and time (UTC) or plain seconds from 1970.
    private func seconds(_ t: String) throws(InspectorValueError) -> Int64 {
        if let (neg, m) = integer(t), m <= UInt64(Int64.max) { return neg ? -Int64(m) : Int64(m) }
        guard let (s, fraction) = InspectorTime.parse(t), fraction.isEmpty else {
            throw InspectorValueError("\(rawValue): type \(hint) (got '\(t)')")
        }
        return s
    }

    private func fat(_ t: String) throws(InspectorValueError) -> [UInt8] {
        guard let (s, fraction) = InspectorTime.parse(t), fraction.isEmpty else {
            throw InspectorValueError("FAT time+date: type YYYY-MM-DD HH:MM:SS, local time (got '\(t)')")
        }
        let day = s >= 0 ? s / 86400 : (s - 86399) / 86400
        let rest = s - day * 86400
        let (y, mo, d) = InspectorTime.civil(day)
        guard (1980...2107).contains(y) else { throw InspectorValueError("FAT time+date: the year must be 1980 to 2107 (got \(y))") }
        guard rest % 2 == 0 else { throw InspectorValueError("FAT time+date: FAT keeps seconds in 2-second steps (got an odd second)") }
        let time = UInt16(rest / 3600) << 11 | UInt16(rest / 60 % 60) << 5 | UInt16(rest % 60 / 2)
        let date = UInt16(y - 1980) << 9 | UInt16(mo) << 5 | UInt16(d)
        return [UInt8(time & 0xFF), UInt8(time >> 8), UInt8(date & 0xFF), UInt8(date >> 8)]
    }

    private func filetime(_ t: String) throws(InspectorValueError) -> [UInt8] {
        if let (neg, m) = integer(t), !neg { return try bytes(m, 8, big: false) }
        guard let (s, fraction) = InspectorTime.parse(t), fraction.count <= 7 else {
            throw InspectorValueError("NTFS FILETIME: type \(hint) (got '\(t)')")
        }
        let ticks = Int64(fraction.padding(7)) ?? 0
        let (a, o1) = (s + Self.secondsFrom1601).multipliedReportingOverflow(by: 10_000_000)
        guard s + Self.secondsFrom1601 >= 0, !o1 else { throw InspectorValueError("NTFS FILETIME: \(t) is before 1601-01-01") }
        return try bytes(UInt64(a + ticks), 8, big: false)
    }

    private func ext4(_ t: String) throws(InspectorValueError) -> [UInt8] {
        guard let (s, fraction) = InspectorTime.parse(t) else { throw InspectorValueError("ext4 time+extra: type \(hint) (got '\(t)')") }
        // 34-bit seconds: a signed 32-bit field plus an epoch in the extra field's low 2 bits.
        let lo = Int64(Int32(truncatingIfNeeded: s))
        let epoch = (s - lo) >> 32
        guard (0...3).contains(epoch) else { throw InspectorValueError("ext4 time+extra: \(t) is outside 1901-12-13 20:45:52 to 2446-05-10 22:38:55") }
        let ns = UInt64(fraction.padding(9)) ?? 0
        let extra = ns << 2 | UInt64(epoch)
        return try bytes(UInt64(UInt32(truncatingIfNeeded: lo)), 4, big: false) + bytes(extra, 4, big: false)
    }

    private func guid(_ t: String) throws(InspectorValueError) -> [UInt8] {
        let groups = t.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count == 5, groups.map(\.count) == [8, 4, 4, 4, 12],
              let raw = PatchRun.parseHex(groups.joined()), raw.count == 16 else {
            throw InspectorValueError("GPT GUID: type \(hint) (got '\(t)')")
        }
        return raw[0..<4].reversed() + raw[4..<6].reversed() + raw[6..<8].reversed() + Array(raw[8..<16])
    }
}

extension String {
    /// Digits padded with zeros on the right to `n` (a fraction of a second).
    fileprivate func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: "0", count: n - count) }
}
