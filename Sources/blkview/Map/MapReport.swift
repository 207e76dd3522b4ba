import Foundation
import Inspector

/// `map`'s two renderings of an `OverviewMap`.
enum MapReport {
    struct Cell: Encodable {
        var offset: Int64
        var length: Int64
        var `class`: String
        var entropy: Double?
        var zeroFraction: Double?
        var exact: Bool
        var readBytes: Int64
        var holeBytes: Int64
        var unreadableBytes: Int64
    }

    struct Report: Encodable {
        var path: String
        var offset: Int64
        var length: Int64
        var partition: Int?
        var full: Bool
        var holeMap: Bool
        var complete: Bool
        var bytesRead: Int64
        var seconds: Double
        var cells: [Cell]
    }

    static func round(_ v: Double?, _ digits: Double = 1e4) -> Double? { v.map { ($0 * digits).rounded() / digits } }

    static func json(_ m: OverviewMap, path: String, partition: Int?, full: Bool, seconds: Double) -> String {
        let cells = m.cells.map {
            Cell(offset: $0.offset, length: $0.length, class: $0.mapClass.rawValue, entropy: round($0.entropy),
                 zeroFraction: round($0.zeroFraction), exact: $0.exact, readBytes: $0.readBytes, holeBytes: $0.holeBytes,
                 unreadableBytes: $0.unreadableBytes)
        }
        let report = Report(path: path, offset: m.plan.range.lowerBound, length: m.plan.length, partition: partition, full: full,
                            holeMap: m.holeMapped, complete: m.phase == .complete, bytesRead: m.bytesRead,
                            seconds: round(seconds, 1e6) ?? 0, cells: cells)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(report), as: UTF8.self)) ?? "{}"
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
