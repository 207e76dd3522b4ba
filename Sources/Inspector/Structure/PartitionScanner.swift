import BlockDevice
import DiskFormats
import LinuxAIO

/// How far a partition scan has come.
public struct PartitionScanProgress: Sendable, Equatable {
    /// `quick` (MiB and cylinder boundaries) or `thorough` (every sector of the gaps).
    public var pass: String
    /// Bytes of the media (or of the gaps) behind the scan.
    public var done: Int64
    /// Bytes to go through in this pass.
    public var total: Int64
    /// File systems found so far.
    public var found: Int

    public init(pass: String, done: Int64, total: Int64, found: Int) {
        self.pass = pass
        self.done = done
        self.total = total
        self.found = found
    }
}

/// What a partition scan found.
public struct PartitionScanReport: Sendable {
    /// Media size and the sector size partition starts count in.
    public var size: Int64
    public var sectorSize: Int
    /// Every candidate, resolved (contained ones demoted), by offset.
    public var candidates: [ScanCandidate]
    /// The candidates a table should hold.
    public var partitions: [ScanCandidate]
    /// What is left of a GPT (then the script is GPT).
    public var gptRemnants: [String]
    /// The sfdisk script that would recreate the table (never applied by blkview).
    public var script: SfdiskScript
    /// Ranges that could not be read (listed, not fatal).
    public var unreadable: [String]
    /// Offsets examined, and bytes skipped because the media has a hole there.
    public var examined: Int
    public var holeBytesSkipped: Int64
}

/// Drives ``PartitionScan`` over a media: reads through the read path's
/// background class, skips holes (SEEK_DATA), examines MiB and cylinder
/// boundaries, then (thorough) every sector of the gaps between the partitions found.
public enum PartitionScanner {
    /// Offsets examined at once (each is a few small reads).
    static let parallel = 16
    /// A thorough pass reads the gaps in chunks this large.
    static let chunk = 4 << 20
    /// Examination rounds (labels, backups) per candidate.
    static let maxRounds = 4

    /// Scans `media`. `progress` is called often (from any thread); throttle it there.
    public static func scan(_ media: MediaReader, thorough: Bool = false, path: String,
                            progress: @escaping @Sendable (PartitionScanProgress) -> Void = { _ in }) async throws -> PartitionScanReport {
        let size = media.geometry.size
        let data = DataMap(media.dataExtents(), size: size)
        let unreadable = Protected<[String]>([])
        var found: [ScanCandidate] = []
        var examined = 0
        var skipped: Int64 = 0
        // Quick pass: MiB and cylinder boundaries, holes skipped.
        try await withThrowingTaskGroup(of: ScanCandidate?.self) { group in
            var it = ScanOffsets(size: size).makeIterator()
            var inFlight = 0
            while let o = it.next() {
                try Task.checkCancellation()
                if !data.touches(windowsAt: o) {
                    // Jump to the first offset whose windows can reach the next data.
                    let next = data.nextData(after: o).map { $0 - PartitionScan.windows.last!.end } ?? size
                    if next > o + ScanOffsets.mib {
                        skipped += next - o
                        it = ScanOffsets(size: size, from: next).makeIterator()
                    }
                    continue
                }
                if inFlight >= parallel, let c = try await group.next() {
                    inFlight -= 1
                    if let c { found.append(c) }
                }
                examined += 1
                group.addTask { try await examine(media, at: o, data: data, prefetched: nil, unreadable: unreadable) }
                inFlight += 1
                progress(PartitionScanProgress(pass: "quick", done: o, total: size, found: found.count))
            }
            for try await c in group { if let c { found.append(c) } }
        }
        progress(PartitionScanProgress(pass: "quick", done: size, total: size, found: found.count))
        if thorough {
            let gaps = self.gaps(PartitionScan.partitions(PartitionScan.resolve(found)), size: size, data: data)
            let known = Set(found.map(\.offset))
            let total = gaps.reduce(Int64(0)) { $0 + ($1.upperBound - $1.lowerBound) }
            var done: Int64 = 0
            for gap in gaps {
                var at = gap.lowerBound
                while at < gap.upperBound {
                    try Task.checkCancellation()
                    let length = min(Int64(chunk), gap.upperBound - at)
                    let more = try await sweep(media, at: at, length: length, sectorSize: Int64(media.geometry.logicalSectorSize),
                                               skip: known, data: data, unreadable: unreadable)
                    examined += more.examined
                    found += more.found
                    at += length
                    done += length
                    progress(PartitionScanProgress(pass: "thorough", done: done, total: total, found: found.count))
                }
            }
        }
        let parts = PartitionScan.partitions(PartitionScan.resolve(found))
        // The table's candidates as the table has them (sizes run up to the next partition).
        let byOffset = Dictionary(parts.map { ($0.offset, $0) }, uniquingKeysWith: { a, _ in a })
        let resolved = PartitionScan.resolve(found).map { byOffset[$0.offset] ?? $0 }
        let remnants = try await gptRemnants(media, data: data, unreadable: unreadable)
        let script = PartitionScan.sfdiskScript(parts, size: size, sectorSize: media.geometry.logicalSectorSize,
                                                gpt: !remnants.isEmpty, source: path)
        return PartitionScanReport(size: size, sectorSize: media.geometry.logicalSectorSize, candidates: resolved,
                                   partitions: parts, gptRemnants: remnants, script: script,
                                   unreadable: unreadable.withLock { $0 }, examined: examined, holeBytesSkipped: skipped)
    }

    /// The candidate at `o`, reading its windows (unless `prefetched` holds
    /// them) and then what the examination says it lacks.
    static func examine(_ media: MediaReader, at o: Int64, data: DataMap, prefetched: PrefetchedBytes?,
                        unreadable: Protected<[String]>) async throws -> ScanCandidate? {
        var bytes = prefetched ?? PrefetchedBytes(size: media.geometry.size)
        if prefetched == nil {
            for w in PartitionScan.windows {
                let (at, overflow) = o.addingReportingOverflow(w.offset)
                if overflow { continue }
                try await fetch(media, ByteRange(offset: at, length: w.length), into: &bytes,
                                data: data, unreadable: unreadable)
            }
        }
        var ex = PartitionScan.examine(bytes, at: o)
        var rounds = 0
        while ex.candidate != nil, !ex.missing.isEmpty, rounds < maxRounds {
            rounds += 1
            for m in ex.missing { try await fetch(media, m, into: &bytes, data: data, unreadable: unreadable) }
            ex = PartitionScan.examine(bytes, at: o)
        }
        return ex.candidate
    }

    /// Every sector of `[at, at+length)` that ``PartitionScan/mightStart(_:at:)``.
    static func sweep(_ media: MediaReader, at: Int64, length: Int64, sectorSize: Int64, skip: Set<Int64>, data: DataMap,
                      unreadable: Protected<[String]>) async throws -> (found: [ScanCandidate], examined: Int) {
        let size = media.geometry.size
        // The chunk plus the windows' reach past its last sector.
        let reach = min(length + PartitionScan.windows.last!.end, size - at)
        var bytes = PrefetchedBytes(size: size)
        try await fetch(media, ByteRange(offset: at, length: reach), into: &bytes, data: data, unreadable: unreadable)
        guard let chunk = bytes.bytes(at: at, count: Int(reach)) else { return ([], 0) }
        var found: [ScanCandidate] = []
        var examined = 0
        var i = 0
        while Int64(i) < length {
            let o = at + Int64(i)
            if !skip.contains(o), PartitionScan.mightStart(chunk, at: i) {
                examined += 1
                if let c = try await examine(media, at: o, data: data, prefetched: bytes, unreadable: unreadable) { found.append(c) }
            }
            i += Int(sectorSize)
        }
        return (found, examined)
    }

    /// Reads `range` (clipped to the media) into `bytes`: zeros where the
    /// media has a hole, the read path's background class elsewhere. A failed
    /// read is listed and leaves the range missing.
    static func fetch(_ media: MediaReader, _ range: ByteRange, into bytes: inout PrefetchedBytes, data: DataMap,
                      unreadable: Protected<[String]>) async throws {
        let size = media.geometry.size
        let lo = max(0, range.offset), hi = min(size, range.end)
        guard lo < hi else { return }
        if !data.intersects(lo..<hi) {
            bytes.add([UInt8](repeating: 0, count: Int(hi - lo)), at: lo)
            return
        }
        do {
            let (start, got) = try await StructureReader.readAligned(media, ByteRange(offset: lo, length: hi - lo), as: .background)
            bytes.add(got, at: start)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            unreadable.withLock { list in
                if list.count < DiskProbe.maxListed { list.append("\(hi - lo) bytes at \(lo): \(error)") }
            }
        }
    }

    /// The ranges with data outside the partitions found.
    static func gaps(_ parts: [ScanCandidate], size: Int64, data: DataMap) -> [Range<Int64>] {
        var free: [Range<Int64>] = []
        var at: Int64 = 0
        for p in parts.sorted(by: { $0.offset < $1.offset }) {
            if p.offset > at { free.append(at..<p.offset) }
            at = max(at, min(size, p.end ?? p.offset + 1))
        }
        if at < size { free.append(at..<size) }
        return free.flatMap { data.dataRanges(in: $0) }
    }

    /// GPT remnants from the first 8 KiB and the last 4 KiB.
    static func gptRemnants(_ media: MediaReader, data: DataMap, unreadable: Protected<[String]>) async throws -> [String] {
        let size = media.geometry.size
        var bytes = PrefetchedBytes(size: size)
        try await fetch(media, ByteRange(offset: 0, length: min(size, 8192)), into: &bytes, data: data, unreadable: unreadable)
        if size > 8192 {
            let tail = max(8192, size - 4096)
            try await fetch(media, ByteRange(offset: tail, length: size - tail), into: &bytes, data: data, unreadable: unreadable)
        }
        return PartitionScan.gptRemnants(bytes)
    }
}
