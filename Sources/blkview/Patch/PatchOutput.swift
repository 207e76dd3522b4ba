import Foundation
import Inspector
import LinuxAIO

/// What `patch` and `undo` print: a few lines for people, one object with `--json`.
enum PatchOutput {
    static func patch(_ r: PatchReport, path: String, offset: Int64, length: Int, journal: String, json: Bool) -> String {
        if json {
            let blocks = r.blocks.map { b in
                "{\"offset\":\(b.offset),\"length\":\(b.length),\"state\":\(quote(b.state.rawValue)),\"changed\":\(b.changedBytes),"
                    + "\"latency_us\":\(b.latencyMicroseconds.map { String(format: "%.1f", $0) } ?? "null")"
                    + (b.note.map { ",\"note\":\(quote($0))" } ?? "") + "}"
            }
            return "{\"path\":\(quote(path)),\"offset\":\(offset),\"length\":\(length),\"sync\":\(quote(r.sync.rawValue)),"
                + "\"journal\":\(quote(journal)),\"blocks\":[\(blocks.joined(separator: ","))],\"verified\":\(r.succeeded)"
                + (r.failure.map { ",\"error\":\(quote($0))" } ?? "") + "}"
        }
        // Text for a terminal: the paths and notes are escaped.
        let path = path.terminalSafe, journal = journal.terminalSafe
        let bytes = r.blocks.reduce(0) { $0 + $1.length }
        let verb = r.succeeded ? "patched" : r.stoppedAfter != nil ? "STOPPED patching" : "FAILED to patch"
        var lines = ["\(verb) \(path) at 0x\(hex(offset)): \(length) bytes in "
            + "\(r.blocks.count) block\(r.blocks.count == 1 ? "" : "s") (\(bytes) B), sync \(r.syncWords)"]
        for b in r.blocks {
            var l = "  0x\(hex(b.offset))  \(b.length) B  \(b.state.rawValue)"
            if let us = b.latencyMicroseconds { l += String(format: "  write %.0f µs", us) }
            l += "  \(b.changedBytes) bytes changed"
            if let n = b.note { l += "  (\(n.terminalSafe))" }
            lines.append(l)
        }
        lines.append("journal \(journal) — undo with: blkview undo '\(journal)'")
        return lines.joined(separator: "\n")
    }

    static func undo(_ steps: [UndoStep], journal: String, parsed: ParsedJournal, target: String, dryRun: Bool, json: Bool) -> String {
        let restore = steps.filter { $0.action == .restore }.count
        if json {
            let items = steps.map { s in
                "{\"sequence\":\(s.sequence),\"offset\":\(s.offset),\"length\":\(s.length),\"action\":\(quote(s.action.rawValue)),"
                    + "\"state\":\(quote(s.state.rawValue)),\"latency_us\":\(s.latencyMicroseconds.map { String(format: "%.1f", $0) } ?? "null")"
                    + (s.note.map { ",\"note\":\(quote($0))" } ?? "") + "}"
            }
            return "{\"journal\":\(quote(journal)),\"target\":\(quote(target)),\"dry_run\":\(dryRun),\"records\":\(parsed.records.count),"
                + "\"ignored_tail_bytes\":\(parsed.ignoredTailBytes),"
                + (parsed.tailNote.map { "\"damaged_last_record\":\(quote($0))," } ?? "") + "\"restore\":\(restore),"
                + "\"already_restored\":\(steps.count - restore),\"steps\":[\(items.joined(separator: ","))]}"
        }
        let target = target.terminalSafe, journal = journal.terminalSafe
        var lines = ["\(dryRun ? "would undo" : "undo") \(target) from \(journal): \(parsed.records.count) record\(parsed.records.count == 1 ? "" : "s")"
            + (parsed.tailNote.map { "; \($0.terminalSafe)" } ?? "")]
        for s in steps {
            var l = "  record \(s.sequence)  0x\(hex(s.offset))  \(s.length) B  "
            if dryRun {
                l += s.action == .restore ? "would restore" : "already restored"
            } else {
                l += s.action == .restore ? (s.state == .verified ? "restored, verified" : s.state.rawValue) : "already restored"
                if let us = s.latencyMicroseconds { l += String(format: "  write %.0f µs", us) }
            }
            if let n = s.note { l += "  (\(n.terminalSafe))" }
            lines.append(l)
        }
        lines.append(dryRun ? "\(restore) block\(restore == 1 ? "" : "s") would be restored; nothing was written"
                            : "\(restore) block\(restore == 1 ? "" : "s") restored; \(steps.count - restore) already held the original bytes")
        return lines.joined(separator: "\n")
    }

    static func hex(_ v: Int64) -> String { String(v, radix: 16) }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            // C0, DEL, C1 and the bidi overrides: escaped, never raw in a terminal.
            case _ where u.value < 0x20 || (0x7F...0x9F).contains(u.value) || (0x202A...0x202E).contains(u.value)
                || (0x2066...0x2069).contains(u.value):
                out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
