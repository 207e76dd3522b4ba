// Lost-partition scan (testdisk's Quick Search): a file system's boot sector
// or superblock where a partition could start, confirmed by its backups.

/// A file system found where a partition could start.
public struct ScanCandidate: Sendable, Hashable {
    /// Absolute byte offset of the file system (the partition's start).
    public var offset: Int64
    /// The partition's size in bytes as the file system implies it (its
    /// declared size, plus NTFS's backup boot sector); `nil` when it declares none.
    public var size: Int64?
    /// What the probe found: type, label, UUID.
    public var filesystem: FileSystemInfo
    /// 0–100: how sure the scan is that a partition started here.
    public var confidence: Int
    /// Why: what confirmed it and what counts against it.
    public var evidence: [String]
    /// The offset of the candidate whose extent holds this one (a file system
    /// image inside another's data, or a backup superblock), when there is one.
    public var inside: Int64?

    /// Creates a candidate.
    public init(offset: Int64, size: Int64?, filesystem: FileSystemInfo, confidence: Int, evidence: [String] = [], inside: Int64? = nil) {
        self.offset = offset
        self.size = size
        self.filesystem = filesystem
        self.confidence = confidence
        self.evidence = evidence
        self.inside = inside
    }

    /// One past the last byte, when the size is known (saturating).
    public var end: Int64? { size.map { offset.addingSaturating($0) } }
}

/// What looking at one offset gave: a candidate, or the ranges still to read.
public struct ScanExamination: Sendable, Hashable {
    /// The candidate, complete when ``missing`` is empty.
    public var candidate: ScanCandidate?
    /// Ranges the source lacked (labels, backup boot sectors): read them and examine again.
    public var missing: [ByteRange]
}

/// Pure candidate detection; the caller reads (see ``windows``) and asks.
public enum PartitionScan {
    /// The ranges, relative to a candidate offset, to read before the first
    /// ``examine(_:at:)``: the boot sector and superblocks (ext at +1024,
    /// swap's signature at +4086), ISO 9660's descriptors at +32 KiB and the
    /// btrfs superblock at +64 KiB.
    public static let windows: [ByteRange] = [
        ByteRange(offset: 0, length: 4096),
        ByteRange(offset: 0x8000, length: 4096),
        ByteRange(offset: 0x10000, length: 4096),
    ]

    /// Confidence of a recognised superblock or boot sector alone.
    static let baseConfidence = 50

    /// Looks for a file system at byte `offset` of `source`.
    ///
    /// Without one, the answer has no candidate and no missing ranges. With
    /// one, `missing` lists what confirmation still needs (its label, its
    /// backup boot sector or superblock); examine again once they are read.
    public static func examine(_ source: any ByteSource, at offset: Int64) -> ScanExamination {
        var r = Reader(source)
        guard offset >= 0, offset < r.size else { return ScanExamination(candidate: nil, missing: []) }
        guard var fs = FileSystemProbe.probe(&r, at: offset, length: nil) else {
            return ScanExamination(candidate: nil, missing: [])
        }
        var evidence: [String] = []
        var confidence = baseConfidence
        var size = fs.size
        var offset = offset
        let confirmed = ScanConfirmation.confirm(&r, fs, size: &size, start: &offset, evidence: &evidence)
        confidence += confirmed
        var missing: [ByteRange] = []
        if offset != fs.offset {
            // Found by its backup: read the file system as if the backup stood
            // at the start (its label and regions count from there).
            let found = fs.offset
            fs.offset = offset
            if let sector = source.bytes(at: found, count: 512) {
                let patches = Dictionary(uniqueKeysWithValues: sector.enumerated().map { (offset + Int64($0.offset), $0.element) })
                var moved = Reader(PatchedBytes(base: source, patches: patches))
                if var again = FileSystemProbe.probe(&moved, at: offset, length: nil), again.type == fs.type {
                    again.defects = fs.defects
                    fs = again
                }
                missing = moved.missing
            }
        }
        if offset % (1 << 20) == 0 {
            confidence += 10
            evidence.append("MiB-aligned")
        } else if ScanOffsets.isCylinderStart(offset) {
            confidence += 10
            evidence.append("cylinder-aligned (255×63)")
        }
        if let s = size, s <= 0 { size = nil }
        if let end = size.map({ offset.addingSaturating($0) }), end > r.size {
            confidence -= 40
            evidence.append("runs \(end - r.size) bytes past the end of the media")
        }
        let candidate = ScanCandidate(offset: offset, size: size, filesystem: fs,
                                      confidence: max(0, min(100, confidence)), evidence: evidence)
        return ScanExamination(candidate: candidate, missing: r.missing + missing.filter { !r.missing.contains($0) })
    }

    /// Resolves overlaps: a candidate inside another's extent (a backup
    /// superblock, a file-system image stored in another's data) loses half
    /// its confidence and names its container; of two at the same offset the
    /// more confident stays. Sorted by offset.
    public static func resolve(_ candidates: [ScanCandidate]) -> [ScanCandidate] {
        var best: [Int64: ScanCandidate] = [:]
        for c in candidates where (best[c.offset]?.confidence ?? -1) < c.confidence { best[c.offset] = c }
        var out = best.values.sorted { $0.offset < $1.offset }
        // Containers first by confidence: a weak candidate cannot demote a strong one.
        let order = out.indices.sorted { (out[$0].confidence, -out[$0].offset) > (out[$1].confidence, -out[$1].offset) }
        var demoted = Set<Int>()
        for i in order where !demoted.contains(i) {
            guard let end = out[i].end else { continue }
            for j in out.indices where j != i && !demoted.contains(j) && out[j].offset > out[i].offset && out[j].offset < end {
                guard out[j].confidence <= out[i].confidence else { continue }
                out[j].confidence /= 2
                out[j].inside = out[i].offset
                out[j].evidence.append("inside the \(out[i].filesystem.type) at 0x\(String(out[i].offset, radix: 16))")
                demoted.insert(j)
            }
        }
        return out
    }

    /// The candidates a partition table should hold: not inside another, at
    /// least `minimumConfidence` sure, and not overlapping a surer one.
    /// Sorted by offset.
    public static func partitions(_ resolved: [ScanCandidate], minimumConfidence: Int = 50) -> [ScanCandidate] {
        var chosen: [ScanCandidate] = []
        let eligible = resolved.filter { $0.inside == nil && $0.confidence >= minimumConfidence }
        for c in eligible.sorted(by: { ($0.confidence, -$0.offset) > ($1.confidence, -$1.offset) }) {
            let end = c.end ?? c.offset.addingSaturating(1)
            if chosen.contains(where: { c.offset < ($0.end ?? $0.offset.addingSaturating(1)) && $0.offset < end }) { continue }
            chosen.append(c)
        }
        chosen.sort { $0.offset < $1.offset }
        // A file system may leave a little of its partition unused (FAT
        // rounds to its geometry): when it ends less than a block (at least
        // 4 KiB) before the next one starts, the partition ran up to it.
        for i in chosen.indices.dropLast() {
            guard let end = chosen[i].end else { continue }
            let slack = chosen[i + 1].offset - end
            let block = Swift.max(chosen[i].filesystem.blockSize ?? 0, 4096)
            if slack > 0, slack <= block, let size = chosen[i].size {
                chosen[i].size = size + slack
                chosen[i].evidence.append("\(slack) bytes after the file system, up to the next partition, counted in")
            }
        }
        return chosen
    }
}
