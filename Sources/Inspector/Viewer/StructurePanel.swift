import BlockDevice
import DiskFormats

/// One row of the structure panel: a name and where it starts.
public struct StructureEntry: Equatable, Sendable {
    public var label: String
    public var offset: Int64
}

extension ViewerState {
    /// The rows of the structure panel: the partition table's own regions,
    /// then each partition with its file system, then a whole-device file system.
    public var structureEntries: [StructureEntry] {
        guard let d = disk else { return [] }
        var rows: [StructureEntry] = []
        for r in d.regions.sorted(by: { $0.offset < $1.offset }) where r.offset < 1 << 20 || r.name.contains("GPT") {
            rows.append(StructureEntry(label: r.name, offset: r.offset))
        }
        let sector = Int64(d.sectorSize)
        for p in d.partitions {
            var label = "p\(p.index)  \(p.typeName)  \(ByteSize.format(p.size * sector))"
            if let n = p.name, !n.isEmpty { label += "  \"\(n)\"" }
            if let fs = p.filesystem { label += "  \(fs.type)\(fs.label.map { " \($0)" } ?? "")" }
            rows.append(StructureEntry(label: label, offset: p.start * sector))
        }
        if let fs = d.filesystem {
            rows.append(StructureEntry(label: "\(fs.type)\(fs.label.map { " \($0)" } ?? "") (whole device)", offset: fs.offset))
        }
        return rows
    }

    /// Partition number → first byte, for `p2` in the goto prompt.
    public var partitionStarts: [Int: Int64] {
        guard let d = disk else { return [:] }
        var m: [Int: Int64] = [:]
        for p in d.partitions { m[p.index] = p.start * Int64(d.sectorSize) }
        return m
    }

    /// The known field under the cursor: `GPT header › PartitionEntryLBA = 2` and its bytes.
    public var fieldUnderCursor: (text: String, range: Range<Int64>)? {
        guard let d = disk, let region = d.region(at: cursor), let text = d.describe(cursor) else { return nil }
        if let f = region.field(at: cursor) { return (text, f.offset..<(f.offset + Int64(max(1, f.length)))) }
        return (text, region.offset..<(region.offset + region.length))
    }

    /// Keys of the focused structure panel; false when the key is not its own.
    mutating func structureKey(_ k: Key) -> Bool {
        let n = structureEntries.count
        switch k {
        case .up, .char("k"):
            structureSelection = max(0, structureSelection - 1)
        case .down, .char("j"):
            structureSelection = min(max(0, n - 1), structureSelection + 1)
        case .enter:
            guard structureSelection < n else { return true }
            moveCursor(to: structureEntries[structureSelection].offset, center: false)
            top = clampTop(cursor / Int64(layout.bytesPerRow) * Int64(layout.bytesPerRow))
        default:
            return false
        }
        return true
    }
}

/// Draws the structure panel.
enum StructurePanel {
    typealias Rect = (x: Int, y: Int, w: Int, h: Int)

    static func draw(_ b: inout ScreenBuffer, _ r: Rect, _ s: ViewerState) {
        guard let d = s.disk else {
            b.put("probing partitions and file systems…", x: r.x, y: r.y, role: .dim, maxWidth: r.w)
            return
        }
        let rows = s.structureEntries
        var y = r.y
        let head = (d.scheme == .none ? "no partition table" : d.scheme.rawValue.uppercased()) + " · \(d.sectorSize)-byte sectors" + (d.defects.isEmpty ? "" : " · \(d.defects.count) defect(s)")
        b.put(head, x: r.x, y: y, role: d.defects.isEmpty ? .dim : .warning, maxWidth: r.w)
        y += 1
        for line in evidenceLines(s.source.evidence) where y < r.y + r.h {
            b.put(line, x: r.x, y: y, role: .dim, maxWidth: r.w)
            y += 1
        }
        if rows.isEmpty {
            b.put("no partition table or file system found", x: r.x, y: y, role: .dim, maxWidth: r.w)
            return
        }
        let visible = r.y + r.h - y
        guard visible > 0 else { return }
        let first = max(0, min(s.structureSelection - visible / 2, rows.count - visible))
        for (i, row) in rows.enumerated().dropFirst(first).prefix(visible) {
            let selected = i == s.structureSelection
            let line = "0x" + String(row.offset, radix: 16) + "  " + row.label
            b.put(PanelRenderer.pad(line, r.w), x: r.x, y: y, role: selected && s.focus == .structure ? .cursor : (selected ? .prompt : .normal), maxWidth: r.w)
            y += 1
        }
    }

    /// An EWF set's case metadata and stored hashes, above the partitions:
    /// "EWF · case 2026-17 · evidence EV-3 · examiner J. Doe", "stored md5 … sha1 …".
    static func evidenceLines(_ e: EvidenceMetadata?) -> [String] {
        guard let e else { return [] }
        var who = [e.format]
        if let c = e.caseNumber, !c.isEmpty { who.append("case \(c)") }
        if let n = e.evidenceNumber, !n.isEmpty { who.append("evidence \(n)") }
        if let x = e.examinerName, !x.isEmpty { who.append("examiner \(x)") }
        if let d = e.acquiryDate, !d.isEmpty { who.append("acquired \(d)") }
        var lines = [who.joined(separator: " · ")]
        let stored = e.storedHashes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append(stored.isEmpty ? "no hashes stored in the image" : "stored " + stored.joined(separator: "  "))
        return lines
    }
}
