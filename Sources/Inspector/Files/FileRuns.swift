import DiskFormats
import FileSystems

/// Facts drawn from a file's runs: which belong to its data, where its first
/// byte is, which media bytes it covers. Every value is hostile: checked.
public enum FileRuns {
    public enum FirstByte: Equatable, Sendable {
        case at(Int64)
        /// NTFS resident data: the bytes live inside the MFT record.
        case resident(Int64)
        case sparse
        case empty
    }

    /// The runs of the entry's own stream: its NTFS attribute, else the
    /// default `$DATA` (type 128, unnamed) on NTFS, else every run.
    public static func data(of entry: FSEntry, _ runs: [FSRun], info: FSInfo) -> [FSRun] {
        if let a = entry.attribute { return runs.filter { $0.attribute == a } }
        if info.isNTFS {
            let d = runs.filter { $0.attribute.type == 128 && ($0.attributeName ?? "").isEmpty }
            if !d.isEmpty { return d }
        }
        guard let first = runs.first?.attribute else { return [] }
        return runs.filter { $0.attribute == first }
    }

    /// Where the file's first stored byte is.
    public static func firstByte(_ runs: [FSRun], info: FSInfo) -> FirstByte {
        let ordered = runs.sorted { $0.fileBlock < $1.fileBlock }
        if let r = ordered.first(where: { $0.kind == .resident }) { return .resident(Int64(clamping: r.length)) }
        if let r = ordered.first(where: { $0.kind == .blocks && $0.length > 0 }), let off = info.mediaOffset(block: r.block) {
            return .at(off)
        }
        return ordered.contains { $0.kind == .sparse } ? .sparse : .empty
    }

    /// Media byte ranges of the block runs, sorted and merged (at most `limit` runs considered).
    public static func ranges(_ runs: [FSRun], info: FSInfo, limit: Int = 1 << 20) -> [Range<Int64>] {
        var out: [Range<Int64>] = []
        for r in runs.prefix(limit) where r.kind == .blocks && r.length > 0 {
            guard let start = info.mediaOffset(block: r.block), r.length <= UInt64(Int64.max) else { continue }
            let (len, o1) = Int64(r.length).multipliedReportingOverflow(by: Int64(info.blockSize))
            guard !o1 else { continue }
            let (end, o2) = start.addingReportingOverflow(len)
            guard !o2 else { continue }
            out.append(start..<end)
        }
        out.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int64>] = []
        for r in out {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// `blocks 1234+8 → 0x4d2000` / `sparse 16 blocks` / `resident 120 B`: one line per run.
    public static func describe(_ r: FSRun, info: FSInfo) -> String {
        let stream = r.attributeName.map { $0.isEmpty ? "" : ":\($0)" } ?? ""
        let attr = info.isNTFS ? "\(r.attribute.type)-\(r.attribute.id)\(stream) " : ""
        switch r.kind {
        case .blocks:
            let at = info.mediaOffset(block: r.block).map { " @0x" + String($0, radix: 16) } ?? ""
            return "\(attr)+\(r.fileBlock): blocks \(r.block)+\(r.length)\(at)"
        case .sparse: return "\(attr)+\(r.fileBlock): sparse \(r.length) blocks (zeros, stored nowhere)"
        case .filler: return "\(attr)+\(r.fileBlock): \(r.length) blocks unknown (gap in the run list)"
        case .resident: return "\(attr)resident \(r.length) B inside the MFT record"
        }
    }
}

/// Which file system holds a byte, from the partition layout.
public enum FileSystemPlace {
    /// (offset of the file system, `p2` / `disk`) for the partition holding
    /// `offset`, or the whole-device file system; nil elsewhere. With
    /// `known`, only where the probe recognised a file system (the owner
    /// line); without, any partition, or the whole device when it has none
    /// (the Files panel, opened by hand: libtsk knows more types).
    public static func containing(_ offset: Int64, disk d: DiskLayout, mediaSize: Int64, known: Bool = false) -> (Int64, String)? {
        for p in d.partitions where p.kind != .extended {
            guard case let .at(start) = PartitionStart.of(p, sectorSize: d.sectorSize, mediaSize: mediaSize),
                  let r = p.byteRange(sectorSize: d.sectorSize), r.contains(offset) else { continue }
            return known && p.filesystem == nil ? nil : (start, "p\(p.index)")
        }
        if let fs = d.filesystem { return (fs.offset, "disk") }
        if d.partitions.isEmpty && !known { return (0, "disk") }
        return nil
    }
}
