/// One write of a patch: a whole aligned block and the staged bytes inside it.
public struct PlannedBlock: Equatable, Sendable {
    public var offset: Int64
    public var length: Int
    /// Positions relative to `offset` and what to stage there.
    public var edits: [(position: Int, byte: StagedByte)]

    public static func == (a: PlannedBlock, b: PlannedBlock) -> Bool {
        a.offset == b.offset && a.length == b.length && a.edits.map(\.position) == b.edits.map(\.position)
            && a.edits.map(\.byte) == b.edits.map(\.byte)
    }

    /// `original` (the block as read) with the staged bytes applied.
    public func apply(to original: [UInt8]) -> [UInt8] {
        var out = original
        for e in edits { out[e.position] = e.byte.apply(to: out[e.position]) }
        return out
    }

    public var range: Range<Int64> { offset..<(offset + Int64(length)) }
}

/// Why a patch cannot be planned (checked before anything is opened for writing).
public enum PatchPlanError: Error, Equatable, CustomStringConvertible {
    case empty
    case pastEnd(offset: Int64, end: Int64, size: Int64)
    case unalignedTail(offset: Int64, alignedSize: Int64, size: Int64, unit: Int)

    public var description: String {
        switch self {
        case .empty:
            return "nothing to patch: the patch has no bytes"
        case let .pastEnd(o, end, size):
            return "the patch 0x\(String(o, radix: 16))..0x\(String(end, radix: 16)) does not fit in the media (size 0x\(String(size, radix: 16)), \(size) bytes)"
        case let .unalignedTail(o, aligned, size, unit):
            return "the patch at 0x\(String(o, radix: 16)) reaches the last \(size - aligned) bytes, past the last whole \(unit)-byte block: O_DIRECT cannot rewrite them without growing the file"
        }
    }
}

/// Turns runs of staged bytes into whole aligned blocks: each run's
/// enclosing `unit`-aligned range, merged when they touch, cut into writes of
/// at most `maxBlock` bytes. Pure.
public enum PatchPlan {
    /// The largest single write (and undo-journal record) of a patch.
    public static let defaultMaxBlock = 64 * 1024

    public static func blocks(for runs: [PatchRun], unit: Int, maxBlock: Int = defaultMaxBlock,
                              mediaSize: Int64) throws(PatchPlanError) -> [PlannedBlock] {
        precondition(unit > 0 && maxBlock >= unit && maxBlock % unit == 0)
        let runs = runs.filter { !$0.bytes.isEmpty }.sorted { $0.offset < $1.offset }
        guard !runs.isEmpty else { throw .empty }
        let u = Int64(unit)
        let alignedSize = mediaSize / u * u
        var intervals: [Range<Int64>] = []
        for r in runs {
            // Checked: an offset near Int64.max must be refused, not trap.
            let (end, overflow) = r.offset.addingReportingOverflow(Int64(r.bytes.count))
            guard r.offset >= 0, !overflow, end <= mediaSize else {
                throw .pastEnd(offset: r.offset, end: overflow ? .max : end, size: mediaSize)
            }
            guard end <= alignedSize else { throw .unalignedTail(offset: r.offset, alignedSize: alignedSize, size: mediaSize, unit: unit) }
            let lo = r.offset / u * u
            let hi = end % u == 0 ? end : (end / u + 1) * u  // <= alignedSize: no overflow
            if let last = intervals.last, lo <= last.upperBound {
                intervals[intervals.count - 1] = last.lowerBound..<max(last.upperBound, hi)
            } else {
                intervals.append(lo..<hi)
            }
        }
        // Staged bytes in offset order: the runs as they are when they do not
        // overlap (the `patch` command's one run: no per-byte dictionary and
        // sort for a 64 MiB patch), else by offset, a later run winning.
        let disjoint = zip(runs, runs.dropFirst()).allSatisfy { $0.0.range.upperBound <= $0.1.offset }
        let merged: [PatchRun]
        if disjoint {
            merged = runs
        } else {
            var staged: [Int64: StagedByte] = [:]
            for r in runs { for (i, b) in r.bytes.enumerated() { staged[r.offset + Int64(i)] = b } }
            merged = staged.keys.sorted().map { PatchRun(offset: $0, bytes: [staged[$0]!]) }
        }
        var blocks: [PlannedBlock] = []
        var k = 0  // the first run not wholly before the current block
        for iv in intervals {
            var start = iv.lowerBound
            while start < iv.upperBound {
                let end = start + min(iv.upperBound - start, Int64(maxBlock))
                var edits: [(Int, StagedByte)] = []
                var m = k
                while m < merged.count && merged[m].offset < end {
                    let r = merged[m]
                    for o in max(start, r.offset)..<min(end, r.range.upperBound) {
                        edits.append((Int(o - start), r.bytes[Int(o - r.offset)]))
                    }
                    if r.range.upperBound <= end { k = m + 1 }
                    m += 1
                }
                if !edits.isEmpty {
                    blocks.append(PlannedBlock(offset: start, length: Int(end - start), edits: edits))
                }
                start = end
            }
        }
        return blocks
    }
}
