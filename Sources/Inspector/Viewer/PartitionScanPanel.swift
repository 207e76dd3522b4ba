import DiskFormats

/// How a partition scan started from the structure panel ended.
public enum PartitionScanOutcome: Equatable, Sendable {
    /// The candidates (resolved), the offsets of those a table should hold,
    /// and the label the sfdisk script uses.
    case found([ScanCandidate], inTable: [Int64], label: String)
    case cancelled
    case failed(String)
}

/// The structure panel's lost-partition scan (`S`): progress while it runs,
/// then its candidates as rows.
public struct PartitionScanState: Equatable, Sendable {
    /// Progress while running; nil once finished.
    public var progress: PartitionScanProgress?
    /// How it ended; nil while running.
    public var outcome: PartitionScanOutcome?

    public init(progress: PartitionScanProgress? = nil, outcome: PartitionScanOutcome? = nil) {
        self.progress = progress
        self.outcome = outcome
    }

    /// Whether it runs now.
    public var running: Bool { outcome == nil }
}

extension ViewerReducer {
    /// Keys of the focused structure panel that start or cancel a scan; nil
    /// when the key is not one of them.
    static func partitionScanKey(_ s: inout ViewerState, _ k: Key) -> [ViewerEffect]? {
        switch k {
        case .char("S"):
            if s.partitionScan?.running == true {
                s.message = .init(text: "a partition scan is under way: Esc cancels it", role: .warning)
                return []
            }
            s.partitionScan = PartitionScanState(progress: PartitionScanProgress(pass: "quick", done: 0, total: s.source.size, found: 0))
            s.message = .init(text: "scanning for lost partitions (MiB and cylinder boundaries) · Esc cancels", role: .good)
            return [.startPartitionScan]
        case .escape where s.partitionScan?.running == true:
            return [.cancelPartitionScan]
        default:
            return nil
        }
    }

    static func partitionScanProgressed(_ s: inout ViewerState, _ p: PartitionScanProgress) {
        guard s.partitionScan?.running == true else { return }
        s.partitionScan?.progress = p
    }

    static func partitionScanFinished(_ s: inout ViewerState, _ o: PartitionScanOutcome) {
        s.partitionScan = PartitionScanState(progress: nil, outcome: o)
        switch o {
        case let .found(all, inTable, label):
            s.message = .init(text: "scan: \(plural(inTable.count, "partition")) found (\(plural(all.count, "candidate"))) · "
                + "`blkview scan \(s.source.path)` prints the \(label) sfdisk script", role: all.isEmpty ? .warning : .good)
        case .cancelled: s.message = .init(text: "partition scan cancelled", role: .warning)
        case let .failed(why): s.message = .init(text: "partition scan failed: \(why)", role: .error)
        }
    }
}

extension ViewerState {
    /// The scan's rows for the structure panel: a progress line while it
    /// runs, then one row per candidate (Enter jumps to it).
    var partitionScanEntries: [StructureEntry] {
        guard let scan = partitionScan else { return [] }
        if let p = scan.progress, scan.running {
            let pct = p.total > 0 ? Int(Double(p.done) * 100 / Double(p.total)) : 100
            return [StructureEntry(label: "scanning for lost partitions (\(p.pass)) \(pct)% · \(plural(p.found, "file system")) found · Esc cancels",
                                   offset: nil, kind: .candidate)]
        }
        guard case let .found(all, inTable, _)? = scan.outcome else { return [] }
        if all.isEmpty { return [StructureEntry(label: "scan: no file system found at partition boundaries", offset: nil, kind: .candidate)] }
        let table = Set(inTable)
        return all.map { c in
            var label = "scan: \(c.filesystem.type)"
            if let l = c.filesystem.label { label += " \"\(l)\"" }
            label += "  \(c.size.map(ByteSize.format) ?? "size unknown")  confidence \(c.confidence)"
            label += table.contains(c.offset) ? "  (would be a partition)" : c.inside.map { "  (inside 0x\(String($0, radix: 16)))" } ?? ""
            return StructureEntry(label: label, offset: c.offset, kind: .candidate)
        }
    }
}
