import Foundation

/// Sizes and offsets as people type them: `4096`, `0x1000`, `4k`, `4KiB`,
/// `1m`, `1MiB`, `2g`, `1T`. Suffixes are binary (k = KiB = 1024), as in fio
/// and dd; `KB`-style spellings mean the same, since disk people type them so.
public enum ByteSize {
    /// Parses a non-negative size; nil when `text` is not one.
    public static func parse(_ text: String) -> Int64? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !s.isEmpty else { return nil }
        if s.lowercased().hasPrefix("0x") {
            return Int64(s.dropFirst(2), radix: 16).flatMap { $0 >= 0 ? $0 : nil }
        }
        let lower = s.lowercased()
        var shift: Int64 = 0
        for (suffixes, sh) in [(["kib", "kb", "k"], 10), (["mib", "mb", "m"], 20), (["gib", "gb", "g"], 30),
                               (["tib", "tb", "t"], 40), (["pib", "pb", "p"], 50), (["b"], 0)] {
            if let suf = suffixes.first(where: { lower.hasSuffix($0) }) {
                s = s.dropLast(suf.count)
                shift = Int64(sh)
                break
            }
        }
        guard let n = Int64(s.trimmingCharacters(in: .whitespaces)), n >= 0 else { return nil }
        let (v, overflow) = n.multipliedReportingOverflow(by: Int64(1) << shift)
        return overflow ? nil : v
    }

    /// `4 KiB`, `1.5 GiB`, `512 B`: for people, not for parsing back.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        if i == 0 { return "\(bytes) B" }
        let rounded = (v * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int64(rounded)) \(units[i])" : "\(rounded) \(units[i])"
    }
}
