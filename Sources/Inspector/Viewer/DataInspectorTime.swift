/// Calendar arithmetic for the data inspector: proleptic Gregorian dates in
/// UTC from day counts and back (Howard Hinnant's algorithms), in Int64, so
/// no value a disk holds can trap.
enum InspectorTime {
    /// Days from 1970-01-01 to `y-m-d`.
    static func days(year y0: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `(year, month, day)` of a day count from 1970-01-01.
    static func civil(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func daysIn(month m: Int64, year y: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Seconds from 1970 as `2024-01-02 03:04:05` (years 1–9999), else "out of range (…)".
    static func format(seconds s: Int64, fraction: String = "", utc: Bool = true) -> String {
        // Years 1…9999, as Python's datetime shows them.
        guard s >= -62_135_596_800 else { return "out of range (before year 1)" }
        guard s <= 253_402_300_799 else { return "out of range (after 9999)" }
        let day = s >= 0 ? s / 86400 : (s - 86399) / 86400
        let rest = s - day * 86400
        let (y, m, d) = civil(day)
        let text = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + " " + pad(rest / 3600, 2) + ":" + pad(rest / 60 % 60, 2) + ":" + pad(rest % 60, 2)
        return text + fraction + (utc ? " UTC" : "")
    }

    static func pad(_ v: Int64, _ n: Int) -> String {
        let t = String(v)
        return t.count >= n ? t : String(repeating: "0", count: n - t.count) + t
    }

    /// A typed date and time: `2024-01-02 03:04:05`, `2024-01-02T03:04:05.5`,
    /// with an optional ` UTC` or `Z`. Returns seconds from 1970 and the
    /// fraction's digits (at most 9), or nil.
    static func parse(_ text: String) -> (seconds: Int64, fraction: String)? {
        var t = text.inspectorTrimmed()
        for suffix in [" UTC", "UTC", "Z"] where t.hasSuffix(suffix) { t = String(t.dropLast(suffix.count)); break }
        let parts = t.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        var clock = parts[1]
        var fraction = ""
        if let dot = clock.firstIndex(of: ".") {
            fraction = String(clock[clock.index(after: dot)...])
            clock = clock[..<dot]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isInspectorDigit) else { return nil }
        }
        let time = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard date.count == 3, time.count == 3, let y = Int64(date[0]), let mo = Int64(date[1]), let d = Int64(date[2]),
              let h = Int64(time[0]), let mi = Int64(time[1]), let s = Int64(time[2]),
              (1...9999).contains(y), (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y),
              (0...23).contains(h), (0...59).contains(mi), (0...59).contains(s) else { return nil }
        return (days(year: y, month: mo, day: d) * 86400 + h * 3600 + mi * 60 + s, fraction)
    }
}

extension String {
    /// Without leading and trailing spaces.
    func inspectorTrimmed() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

extension Character {
    var isInspectorDigit: Bool { ("0"..."9").contains(self) }
}
