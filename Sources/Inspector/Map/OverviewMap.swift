/// One cell of an overview map as it is shown: estimates for the whole cell
/// from what was read of it and what the hole map says. Additive, so a panel
/// that shows fewer cells than the plan sums neighbours.
public struct MapCell: Equatable, Sendable {
    public var offset: Int64
    public var length: Int64
    /// Estimated bytes of each class (holes count as zero bytes).
    public var zeroBytes: Double = 0
    public var lowBytes: Double = 0
    public var highBytes: Double = 0
    /// Σ entropy × bytes and estimated zero-valued bytes, over `knownBytes`.
    public var entropyBits: Double = 0
    public var zeroValued: Double = 0
    /// Bytes the estimates stand for (the cells that are sampled or holes).
    public var knownBytes: Int64 = 0
    /// Bytes of holes (never read).
    public var holeBytes: Int64 = 0
    /// Bytes actually read, and bytes whose read failed.
    public var readBytes: Int64 = 0
    public var unreadableBytes: Int64 = 0
    /// Every byte of the cell's data was read (the figures are exact).
    public var exact = false

    public init(offset: Int64, length: Int64) {
        self.offset = offset
        self.length = length
    }

    public var range: Range<Int64> { offset..<(offset + length) }

    /// The class shown: unreadable if any read failed; zero only when
    /// nothing but zeros and holes was found (a little data in a big hole
    /// still shows); else the data class with the most estimated bytes; not
    /// sampled while nothing is known.
    public var mapClass: MapClass {
        if unreadableBytes > 0 { return .unreadable }
        if knownBytes == 0 { return .unsampled }
        if highBytes + lowBytes <= 0 { return .zero }
        return highBytes >= lowBytes ? .high : .low
    }

    /// Shannon entropy, bits per byte (mean over 4 KiB units), or nil when not sampled.
    public var entropy: Double? { knownBytes > 0 ? entropyBits / Double(knownBytes) : nil }

    /// Fraction of bytes that are 0x00 (holes included), or nil when not sampled.
    public var zeroFraction: Double? { knownBytes > 0 ? min(1, zeroValued / Double(knownBytes)) : nil }

    /// The sum of adjacent cells (`b` follows `a`).
    public static func + (a: MapCell, b: MapCell) -> MapCell {
        var c = a
        c.length += b.length
        c.zeroBytes += b.zeroBytes
        c.lowBytes += b.lowBytes
        c.highBytes += b.highBytes
        c.entropyBits += b.entropyBits
        c.zeroValued += b.zeroValued
        c.knownBytes += b.knownBytes
        c.holeBytes += b.holeBytes
        c.readBytes += b.readBytes
        c.unreadableBytes += b.unreadableBytes
        c.exact = a.exact && b.exact
        return c
    }
}

/// Where a map's background fill is.
public enum MapPhase: String, Equatable, Sendable {
    /// Asking the file system where the holes are.
    case holes
    /// One sample per cell.
    case coarse
    /// More samples, and full reads near where the user looks.
    case refining
    /// Everything planned was read.
    case complete
    /// Stopped (Esc, or the panel closed) before it was complete.
    case stopped
}

/// A snapshot of an overview map: its plan, its cells and how far the fill got.
public struct OverviewMap: Equatable, Sendable {
    public var plan: MapPlan
    public var cells: [MapCell]
    public var phase: MapPhase
    /// Cells whose data was sampled at least once or that are all hole.
    public var cellsKnown: Int
    /// Bytes read so far, and whether the hole map was available.
    public var bytesRead: Int64
    public var holeMapped: Bool
    /// Which fill made it (the viewer drops snapshots of a fill it stopped).
    public var fill = 0

    public init(plan: MapPlan, cells: [MapCell], phase: MapPhase, cellsKnown: Int, bytesRead: Int64, holeMapped: Bool) {
        self.plan = plan
        self.cells = cells
        self.phase = phase
        self.cellsKnown = cellsKnown
        self.bytesRead = bytesRead
        self.holeMapped = holeMapped
    }

    /// An empty map of `plan` (nothing sampled yet).
    public init(plan: MapPlan) {
        self.init(plan: plan, cells: (0..<plan.cellCount).map { MapCell(offset: plan.start($0), length: Int64(plan.cell($0).count)) },
                  phase: .holes, cellsKnown: 0, bytesRead: 0, holeMapped: false)
    }

    /// Share of cells known, 0…1.
    public var progress: Double { cells.isEmpty ? 1 : Double(cellsKnown) / Double(cells.count) }

    /// `groups` display cells (fewer than or as many as the plan's), each the
    /// sum of its plan cells.
    public func grouped(_ groups: Int) -> [MapCell] {
        let g = max(1, min(groups, cells.count))
        if g == cells.count { return cells }
        return (0..<g).map { j in
            let r = plan.group(j, of: g)
            var c = cells[r.lowerBound]
            for k in (r.lowerBound + 1)..<r.upperBound { c = c + cells[k] }
            return c
        }
    }

    /// The first plan cell after (`forward`) or before cell `from` whose class
    /// differs from `from`'s; nil when there is none.
    public func classChange(from: Int, forward: Bool) -> Int? {
        guard cells.indices.contains(from) else { return nil }
        let k = cells[from].mapClass
        if forward {
            return cells.indices.dropFirst(from + 1).first { cells[$0].mapClass != k }
        }
        // Backward: the start of the previous run of another class.
        guard let i = cells.indices.prefix(from).last(where: { cells[$0].mapClass != k }) else { return nil }
        let other = cells[i].mapClass
        var j = i
        while j > 0 && cells[j - 1].mapClass == other { j -= 1 }
        return j
    }
}
