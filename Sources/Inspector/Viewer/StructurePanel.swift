import BlockDevice
import DiskFormats

/// One row of the structure panel: a table, a partition, a file system or a defect.
public struct StructureEntry: Equatable, Sendable {
    /// What a row shows; tables sort before the partitions that start where
    /// they do. `candidate`: a lost-partition scan's row (after the rest).
    public enum Kind: Int, Equatable, Sendable, Comparable {
        case defect, table, partition, filesystem, candidate
        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }
    public var label: String
    /// First byte, or nil when there is none to jump to (a defect, or a
    /// partition whose start is past the end of the media or beyond 2^63).
    public var offset: Int64?
    public var kind: Kind

    public init(label: String, offset: Int64?, kind: Kind) {
        self.label = label
        self.offset = offset
        self.kind = kind
    }
}

/// Where a partition starts, in bytes, for a panel row or `pN` in the goto prompt.
public enum PartitionStart: Equatable, Sendable {
    case at(Int64)
    /// The start is a valid byte offset but not inside the media.
    case pastEnd(Int64)
    /// Start sector × sector size does not fit in 63 bits.
    case beyondInt64

    /// `p.start × sectorSize`, checked: media values never trap.
    public static func of(_ p: Partition, sectorSize: Int, mediaSize: Int64) -> PartitionStart {
        let (bytes, overflow) = p.start.multipliedReportingOverflow(by: Int64(sectorSize))
        if overflow || p.start < 0 { return .beyondInt64 }
        return bytes < mediaSize ? .at(bytes) : .pastEnd(bytes)
    }
}

extension ViewerState {
    /// The rows of the structure panel: the defects first, then every table
    /// (MBR, EBRs, GPT headers and arrays), partition and file system in
    /// offset order (a table before a partition at the same offset), then
    /// the partitions that cannot be reached.
    public var structureEntries: [StructureEntry] {
        guard let d = disk else { return partitionScanEntries }
        var rows: [StructureEntry] = []
        for r in d.regions where Self.isTable(r.name) {
            rows.append(StructureEntry(label: r.name, offset: r.offset, kind: .table))
        }
        let sector = Int64(d.sectorSize)
        var unreachable: [StructureEntry] = []
        for p in d.partitions {
            let (bytes, sizeOverflow) = p.size.multipliedReportingOverflow(by: sector)
            var label = "p\(p.index)  \(p.typeName)  " + (sizeOverflow || p.size < 0 ? "\(p.size) sectors (beyond 2^63 bytes)" : ByteSize.format(bytes))
            if let n = p.name, !n.isEmpty { label += "  \"\(n)\"" }
            if let fs = p.filesystem { label += "  \(fs.type)\(fs.label.map { " \($0)" } ?? "")" }
            switch PartitionStart.of(p, sectorSize: d.sectorSize, mediaSize: source.size) {
            case let .at(off):
                rows.append(StructureEntry(label: label, offset: off, kind: .partition))
            case .pastEnd:
                unreachable.append(StructureEntry(label: label + "  (starts past the end of the media)", offset: nil, kind: .partition))
            case .beyondInt64:
                unreachable.append(StructureEntry(label: label + "  (starts at sector \(p.start), beyond 2^63 bytes)", offset: nil, kind: .partition))
            }
        }
        if let fs = d.filesystem {
            rows.append(StructureEntry(label: "\(fs.type)\(fs.label.map { " \($0)" } ?? "") (whole device)", offset: fs.offset, kind: .filesystem))
        }
        rows.sort { (a, b) in (a.offset ?? .max, a.kind) < (b.offset ?? .max, b.kind) }
        let defects = d.defects.map { StructureEntry(label: "defect: " + $0, offset: nil, kind: .defect) }
        return defects + rows + unreachable + partitionScanEntries
    }

    /// Whether a region is a whole table (not one of its entries, not a superblock).
    static func isTable(_ name: String) -> Bool {
        if name == "MBR" { return true }
        if name.hasPrefix("EBR ") { return Int(name.dropFirst(4)) != nil }
        return name.hasPrefix("GPT ") && !name.hasPrefix("GPT entry")
    }

    /// Partition number → where it starts, for `p2` in the goto prompt.
    public var partitionStarts: [Int: PartitionStart] {
        guard let d = disk else { return [:] }
        var m: [Int: PartitionStart] = [:]
        for p in d.partitions { m[p.index] = PartitionStart.of(p, sectorSize: d.sectorSize, mediaSize: source.size) }
        return m
    }

    /// Lines the structure panel wants (its header, evidence lines and rows), borders excluded.
    var structureContentRows: Int {
        1 + StructurePanel.evidenceLines(source.evidence).count + max(1, structureEntries.count)
    }

    /// The known field under the cursor: `GPT header › PartitionEntryLBA = 2` and its bytes.
    public var fieldUnderCursor: (text: String, range: Range<Int64>)? {
        guard let d = disk, let region = d.region(at: cursor), let text = d.describe(cursor) else { return nil }
        if let f = region.field(at: cursor) {
            let (end, o) = f.offset.addingReportingOverflow(Int64(max(1, f.length)))
            return (text, f.offset..<(o ? .max : max(f.offset, end)))
        }
        let (end, o) = region.offset.addingReportingOverflow(max(0, region.length))
        return (text, region.offset..<(o ? .max : end))
    }

    /// Keys of the focused structure panel; false when the key is not its own.
    mutating func structureKey(_ k: Key) -> Bool {
        let rows = structureEntries
        let n = rows.count
        switch k {
        case .up, .char("k"):
            structureSelection = max(0, structureSelection - 1)
        case .down, .char("j"):
            structureSelection = min(max(0, n - 1), structureSelection + 1)
        case .enter:
            guard structureSelection < n else { return true }
            let row = rows[structureSelection]
            guard let off = row.offset else {
                message = .init(text: row.kind == .defect ? "a defect has no place to jump to" : row.kind == .candidate ? "the scan's progress has no place to jump to" : "\(row.label.prefix { $0 != " " }) cannot be reached: \(row.label)", role: .warning)
                return true
            }
            moveCursor(to: off, center: false)
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
        let head = (d.scheme == .none ? "no partition table" : d.scheme.rawValue.uppercased()) + " · \(d.sectorSize)-byte sectors" + (d.defects.isEmpty ? "" : " · \(plural(d.defects.count, "defect"))")
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
            let line = row.kind == .defect || (row.kind == .candidate && row.offset == nil) ? row.label : (row.offset.map { "0x" + String($0, radix: 16) } ?? "unreachable") + "  " + row.label
            let plain: Role = row.kind == .candidate ? (row.offset == nil ? .dim : .good) : row.kind == .defect || row.offset == nil ? .warning : .normal
            b.put(PanelRenderer.pad(line, r.w), x: r.x, y: y, role: selected && s.focus == .structure ? .cursor : (selected ? .prompt : plain), maxWidth: r.w)
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
