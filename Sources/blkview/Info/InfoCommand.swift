import ArgumentParser
import BlockDevice
import DiskFormats
import Foundation
import Inspector
import LinuxAIO

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Size, sectors, partition table, file systems and defects of a disk or image.",
        discussion: "The --json object is documented in the README (\"blkview info --json\") and stable."
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        // --forensic: the session log stamps the evidence before and after.
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await run(session: session)
        }
    }

    private func run(session: ForensicSession?) async throws {
        let src = try source.open(path, forensic: forensic.forensic)
        session?.opened(src)
        let reader = MediaReader(src)
        var layout: DiskLayout
        var checksums: [ChecksumStatus] = []
        do {
            // Every checksum the structures carry too (mismatches are defects already).
            (layout, checksums) = try await StructureReader.probeWithChecksums(reader)
        } catch is CancellationError {
            await reader.close()
            throw CancellationError()
        } catch {
            await reader.close()
            throw CLIError("cannot read \(path): \(error)")
        }
        await reader.close()
        layout.defects = src.containerDefects + layout.defects
        print(json ? InfoReport.json(src, layout, checksums: checksums, path: path)
                   : InfoReport.text(src, layout, checksums: checksums, path: path))
    }
}

/// `info`'s two renderings of a `DiskLayout`.
enum InfoReport {
    static func json(_ src: any BlockSource, _ l: DiskLayout, checksums: [ChecksumStatus] = [], path: String) -> String {
        var obj: [String: Any] = [
            "path": path,
            "size": l.size,
            "sector_size": l.sectorSize,
            "physical_sector_size": src.geometry.physicalSectorSize,
            "source": src.kind.description,
            "engine": src.engineName,
            "scheme": l.scheme.rawValue,
            "disk_id": l.diskID ?? NSNull(),
            "partitions": l.partitions.map(partition),
            "filesystem": l.filesystem.map(filesystem) ?? NSNull(),
            "defects": l.defects,
            "note": src.openNote ?? NSNull(),
            "checksums": checksums.map(checksum),
        ]
        let layout = src.segmentLayout
        if !layout.isEmpty {
            obj["segments"] = layout.map { ["path": $0.path, "offset": $0.offset, "size": $0.size] as [String: Any] }
        }
        if let e = src.evidence {
            // The stored digests ("md5", "sha1", "sha256") and the case metadata.
            var ev: [String: Any] = ["format": e.format, "bytes_per_sector": e.bytesPerSector]
            for (k, v) in e.storedHashes { ev[k] = v }
            for f in e.caseFields { ev[f.key] = f.value }
            obj["evidence"] = ev
        }
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// One checksum: what it covers, where it is stored, stored and computed values (hex), whether they match.
    static func checksum(_ c: ChecksumStatus) -> [String: Any] {
        [
            "name": c.spec.name, "algorithm": c.spec.kind.rawValue, "offset": c.spec.field.offset,
            "stored": c.stored.map { String(format: "%02x", $0) }.joined(),
            "computed": c.computed.map { String(format: "%02x", $0) }.joined(), "ok": c.matches,
        ]
    }

    static func partition(_ p: Partition) -> [String: Any] {
        [
            "index": p.index, "start": p.start, "size": p.size, "type": p.type, "type_name": p.typeName,
            "name": p.name ?? NSNull(), "guid": p.guid ?? NSNull(), "bootable": p.bootable, "kind": p.kind.rawValue,
            "filesystem": p.filesystem.map(filesystem) ?? NSNull(),
        ]
    }

    static func filesystem(_ f: FileSystemInfo) -> [String: Any] {
        [
            "type": f.type, "version": f.version ?? NSNull(), "label": f.label ?? NSNull(), "uuid": f.uuid ?? NSNull(),
            "block_size": f.blockSize ?? NSNull(), "size": f.size ?? NSNull(), "offset": f.offset,
        ]
    }

    static func text(_ src: any BlockSource, _ l: DiskLayout, checksums: [ChecksumStatus] = [], path: String) -> String {
        var out = "\(path): \(ByteSize.format(l.size)) (\(l.size) bytes), \(l.sectorSize)-byte sectors"
        if src.geometry.physicalSectorSize != l.sectorSize { out += " (physical \(src.geometry.physicalSectorSize))" }
        out += ", \(src.kind), \(src.engineSummary)\n"
        if let note = src.openNote { out += "Note: \(note.terminalSafe)\n" }
        let segments = src.segmentLayout
        if !segments.isEmpty {
            let rows = segments.enumerated().map { i, s in
                [String(i + 1), s.path.terminalSafe, String(s.offset), String(s.size), ByteSize.format(s.size)]
            }
            out += "Segments:\n" + table(["#", "File", "Offset", "Bytes", "Size"], rows)
        }
        switch l.scheme {
        case .none: out += "Partition table: none\n"
        default: out += "Partition table: \(l.scheme.rawValue.uppercased())\(l.diskID.map { ", disk id \($0)" } ?? "")\n"
        }
        if !l.partitions.isEmpty {
            let rows = l.partitions.map { p -> [String] in
                [String(p.index), p.bootable ? "*" : "", String(p.start), String(p.end - 1), String(p.size),
                 p.byteRange(sectorSize: l.sectorSize).map { ByteSize.format(Int64($0.count)) } ?? "overflow", "\(p.typeName) (\(p.type))",
                 p.name.map { "\"\($0)\"" } ?? "", p.filesystem.map(describe) ?? ""]
            }
            out += table(["#", "Boot", "Start", "End", "Sectors", "Size", "Type", "Name", "File system"], rows)
        }
        if let fs = l.filesystem { out += "File system: \(describe(fs))\n" }
        if let e = src.evidence {
            let fields = e.caseFields
            if !fields.isEmpty {
                let width = fields.map(\.label.count).max() ?? 0
                out += "\(e.format) case metadata:\n" + fields.map {
                    "  \($0.label):" + String(repeating: " ", count: width - $0.label.count + 1) + $0.value + "\n"
                }.joined()
            }
            if !e.storedHashes.isEmpty {
                out += "Stored hashes: " + e.storedHashes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
            }
        }
        if !checksums.isEmpty {
            let bad = checksums.filter { !$0.matches }
            out += "Checksums: \(checksums.count - bad.count) of \(checksums.count) match"
            out += bad.isEmpty ? "\n" : "; not matching: " + bad.map(\.spec.title).joined(separator: ", ") + "\n"
        }
        out += l.defects.isEmpty ? "Defects: none" : "Defects:\n" + l.defects.map { "  - \($0.terminalSafe)" }.joined(separator: "\n")
        return out
    }

    static func describe(_ f: FileSystemInfo) -> String {
        var s = f.type
        if let l = f.label { s += " \"\(l)\"" }
        if let u = f.uuid { s += " \(u)" }
        if let b = f.blockSize { s += ", \(b)-byte blocks" }
        if let z = f.size { s += ", \(ByteSize.format(z))" }
        return s
    }

    static func table(_ head: [String], _ rows: [[String]]) -> String {
        let widths = head.indices.map { i in max(head[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(head)] + rows.map(line)).map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}
