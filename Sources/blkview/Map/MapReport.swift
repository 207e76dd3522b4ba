import Foundation
import Inspector

/// `map`'s two renderings of an `OverviewMap`.
enum MapReport {
    static func round(_ v: Double?, _ digits: Double = 1e4) -> Double? { v.map { ($0 * digits).rounded() / digits } }

    /// One JSON object, keys sorted; written by hand: Foundation's encoder
    /// took half a second for 8192 cells.
    static func json(_ m: OverviewMap, path: String, partition: Int?, full: Bool, seconds: Double) -> String {
        func number(_ v: Double?) -> String? { round(v).map { $0 == $0.rounded() ? String(Int64($0)) : String($0) } }
        var out = "{\"bytes_read\":\(m.bytesRead),\"cells\":["
        out.reserveCapacity(200 * m.cells.count + 256)
        for (i, c) in m.cells.enumerated() {
            if i > 0 { out += "," }
            out += "{\"class\":\"\(c.mapClass.rawValue)\","
            if let e = number(c.entropy) { out += "\"entropy\":\(e)," }
            out += "\"exact\":\(c.exact),\"hole_bytes\":\(c.holeBytes),\"length\":\(c.length),\"offset\":\(c.offset),"
            out += "\"read_bytes\":\(c.readBytes),\"unreadable_bytes\":\(c.unreadableBytes)"
            if let z = number(c.zeroFraction) { out += ",\"zero_fraction\":\(z)" }
            out += "}"
        }
        out += "],\"complete\":\(m.phase == .complete),\"full\":\(full),\"hole_map\":\(m.holeMapped),"
        out += "\"length\":\(m.plan.length),\"offset\":\(m.plan.range.lowerBound),"
        if let partition { out += "\"partition\":\(partition)," }
        out += "\"path\":\(JSONText.quote(path)),\"seconds\":\(number(seconds) ?? "0")}"
        return out
    }

    static func text(_ m: OverviewMap, path: String, scope: String, full: Bool, seconds: Double) -> String {
        let digits = max(8, String(max(0, m.plan.range.upperBound - 1), radix: 16).count)
        func hex(_ v: Int64) -> String {
            let s = String(v, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
        }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var lines = ["\(path.terminalSafe): \(scope), \(hex(m.plan.range.lowerBound))-\(hex(m.plan.range.upperBound)) "
            + "(\(ByteSize.format(m.plan.length))), \(m.cells.count) ranges, \(full ? "every byte read" : "sampled"), "
            + "\(ByteSize.format(m.bytesRead)) read in \(String(format: "%.3f", seconds)) s"
            + (m.holeMapped ? "" : " (no hole map: every range read)")]
        lines.append(pad("offset", digits + 2) + "  " + pad("length", 10) + "  " + pad("class", 12) + "  entropy  zeros")
        for c in m.cells {
            let e = c.entropy.map { String(format: "%.2f", $0) } ?? "-"
            let z = c.zeroFraction.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
            lines.append(hex(c.offset) + "  " + pad(ByteSize.format(c.length), 10) + "  " + pad(c.mapClass.rawValue, 12)
                         + "  " + lpad(e, 7) + "  " + lpad(z, 6))
        }
        return lines.joined(separator: "\n")
    }
}
