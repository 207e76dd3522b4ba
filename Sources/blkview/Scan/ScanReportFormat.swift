import DiskFormats
import Foundation
import Inspector

/// `scan`'s two renderings of a report.
enum ScanReportFormat {
    static func text(_ r: PartitionScanReport, path: String) -> String {
        let inTable = Set(r.partitions.map(\.offset))
        var out = "\(path.terminalSafe): \(ByteSize.format(r.size)), \(r.sectorSize)-byte sectors; "
        out += "\(r.partitions.count) partition\(r.partitions.count == 1 ? "" : "s") found "
        out += "(\(r.candidates.count) candidate\(r.candidates.count == 1 ? "" : "s"), \(r.examined) offsets examined"
        out += r.holeBytesSkipped > 0 ? ", \(ByteSize.format(r.holeBytesSkipped)) of holes skipped)\n" : ")\n"
        if !r.candidates.isEmpty {
            let ss = Int64(r.sectorSize)
            let rows = r.candidates.map { c -> [String] in
                [inTable.contains(c.offset) ? "*" : "-", String(c.offset / ss) + (c.offset % ss == 0 ? "" : "+\(c.offset % ss)"),
                 c.size.map { String(PartitionScan.sectorCount($0, ss)) } ?? "?", c.size.map(ByteSize.format) ?? "?",
                 c.filesystem.type + (c.filesystem.version.map { " \($0)" } ?? ""),
                 c.filesystem.label.map { "\"\($0.terminalSafe)\"" } ?? "", c.filesystem.uuid ?? "", String(c.confidence),
                 c.evidence.joined(separator: "; ").terminalSafe]
            }
            out += InfoReport.table(["Table", "Start", "Sectors", "Size", "Type", "Label", "UUID", "Confidence", "Evidence"], rows)
        }
        for g in r.gptRemnants { out += "GPT remnant: \(g)\n" }
        for u in r.unreadable { out += "Unreadable: \(u.terminalSafe)\n" }
        out += "\n" + r.script.text
        return out
    }

    static func json(_ r: PartitionScanReport, path: String) -> String {
        let inTable = Set(r.partitions.map(\.offset))
        let ss = Int64(r.sectorSize)
        let obj: [String: Any] = [
            "path": path, "size": r.size, "sector_size": r.sectorSize,
            "candidates": r.candidates.map { c -> [String: Any] in
                [
                    "offset": c.offset, "start": c.offset / ss, "size": c.size ?? NSNull(),
                    "sectors": c.size.map { PartitionScan.sectorCount($0, ss) } ?? NSNull(),
                    "type": c.filesystem.type, "version": c.filesystem.version ?? NSNull(),
                    "label": c.filesystem.label ?? NSNull(), "uuid": c.filesystem.uuid ?? NSNull(),
                    "confidence": c.confidence, "evidence": c.evidence, "inside": c.inside ?? NSNull(),
                    "in_table": inTable.contains(c.offset),
                ]
            },
            "gpt_remnants": r.gptRemnants, "label": r.script.label, "script": r.script.text,
            "notes": r.script.notes, "unreadable": r.unreadable, "examined": r.examined,
            "hole_bytes_skipped": r.holeBytesSkipped,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
