import BlockDevice
import Foundation
import LinuxAIO

/// Fills an overview map through the read path's background class: the hole
/// map first (holes are never read), then one small sample per cell, then
/// more samples and full reads of the cells where the user looks (`look(at:)`),
/// nearest first; or, with `full`, every data byte in order (`blkview map
/// --full`). `snapshot()` is cheap and never waits on I/O.
public final class MapScanner: Sendable {
    /// How a fill goes.
    public struct Options: Sendable {
        /// Read every data byte (in big chunks, in order) instead of sampling.
        public var full = false
        /// Samples per cell after the coarse one (stratified over its data).
        public var extraSamples = 8
        /// Keep running after everything planned is read, following `look(at:)`
        /// (the viewer); else return when done (the `map` command).
        public var follow = false
        /// Sample reads in flight at most (the read path caps background work further).
        public var concurrency = 8
        /// Threads that tally full reads, and whether they run under
        /// SCHED_IDLE (the viewer: the screen goes first).
        public var lanes = 2
        /// With `follow`: plan cells either side of the look that get the extra samples.
        public var followReach = 256
        public var idleLanes = false
        /// Nanoseconds between snapshots at least. Each one costs the
        /// viewer a frame, which a key pressed then waits behind: the viewer
        /// asks for fewer.
        public var publishInterval: UInt64 = 50_000_000
        public init(full: Bool = false, extraSamples: Int = 8, follow: Bool = false, concurrency: Int = 8) {
            self.full = full
            self.extraSamples = max(0, extraSamples)
            self.follow = follow
            self.concurrency = max(1, concurrency)
        }
    }

    public let plan: MapPlan
    let reader: MediaReader
    /// Where full reads are tallied (nil: on the fill's own task).
    let lanes: TallyLanes?
    let options: Options
    let state: Protected<ScanState>

    struct CellState {
        var data: Int64 = 0
        var sample = ByteTally()
        /// Samples taken or claimed (the coarse one included).
        var samples = 0
        var full = ByteTally()
        /// Where the cell's read in order goes on (nil: not started).
        var fullNext: Int64?
        /// Every data byte was read (or found unreadable).
        var fullComplete = false
        var unreadable: Int64 = 0
        var read: Int64 = 0
        var complete: Bool { data == 0 || fullComplete }
    }

    struct ScanState {
        var cells: [CellState]
        var extents: [Range<Int64>] = []
        var phase: MapPhase = .holes
        var holeMapped = false
        var bytesRead: Int64 = 0
        var look: Range<Int64>?
        var lookGeneration = 0
        var lastPublish: UInt64 = 0
    }

    /// Stamped on every snapshot (`OverviewMap.fill`).
    public let fill: Int

    public init(reader: MediaReader, plan: MapPlan, options: Options = Options(), fill: Int = 0) {
        self.fill = fill
        self.reader = reader
        self.plan = plan
        self.options = options
        lanes = TallyLanes(count: options.lanes, idle: options.idleLanes)
        state = Protected(ScanState(cells: Array(repeating: CellState(), count: plan.cellCount)))
    }

    deinit { lanes?.close() }

    /// Where the user looks (a byte range): cells there are read in full first.
    public func look(at range: Range<Int64>?) {
        state.withLock { s in
            guard s.look != range else { return }
            s.look = range
            s.lookGeneration += 1
        }
    }

    /// The map as of now.
    public func snapshot() -> OverviewMap {
        state.withLock { s in Self.summarize(s, plan, fill: fill) }
    }

    static func summarize(_ s: ScanState, _ plan: MapPlan, fill: Int) -> OverviewMap {
        var known = 0
        var cells: [MapCell] = []
        cells.reserveCapacity(s.cells.count)
        for (i, c) in s.cells.enumerated() {
            let r = plan.cell(i)
            var m = MapCell(offset: r.lowerBound, length: Int64(r.count))
            let length = Int64(r.count)
            let hole = s.phase == .holes ? 0 : max(0, length - c.data)
            m.holeBytes = hole
            m.readBytes = c.read
            m.unreadableBytes = c.unreadable
            let t = c.complete ? c.full : c.sample + c.full
            if s.phase != .holes && c.data == 0 {
                m.knownBytes = length
                m.zeroBytes = Double(length)
                m.zeroValued = Double(length)
                m.exact = true
            } else if t.bytes > 0 {
                let scale = Double(c.data) / Double(t.bytes)
                m.knownBytes = length
                m.zeroBytes = Double(hole) + Double(t.zeroUnits) * scale
                m.lowBytes = Double(t.lowUnits) * scale
                m.highBytes = Double(t.highUnits) * scale
                m.entropyBits = t.entropyBits * scale
                m.zeroValued = Double(hole) + Double(t.zeroBytes) * scale
                m.exact = c.complete
            }
            if m.knownBytes > 0 || m.unreadableBytes > 0 { known += 1 }
            cells.append(m)
        }
        var map = OverviewMap(plan: plan, cells: cells, phase: s.phase, cellsKnown: known, bytesRead: s.bytesRead,
                              holeMapped: s.holeMapped)
        map.fill = fill
        return map
    }

    /// Runs the fill until it is complete (or, with `follow`, until cancelled); once.
    /// `publish` gets a snapshot at most every `publishInterval` and at the end; it
    /// returns the last snapshot. Cancellation stops it (phase `stopped`).
    @discardableResult
    public func run(publish: @escaping @Sendable (OverviewMap) -> Void = { _ in }) async -> OverviewMap {
        do {
            mapHoles()
            if options.full {
                // No samples first: every byte is read anyway.
                setPhase(.refining)
                publishNow(publish)
                try await fullPass(publish)
                setPhase(.complete)
            } else {
                setPhase(.coarse)
                publishNow(publish)
                try await coarse(publish)
                setPhase(.refining)
                try await refine(publish)
            }
        } catch {
            state.withLock { s in if s.phase != .complete { s.phase = .stopped } }
        }
        lanes?.close()
        let last = snapshot()
        publish(last)
        return last
    }

    private func setPhase(_ p: MapPhase) { state.withLock { $0.phase = p } }

    func publishNow(_ publish: @Sendable (OverviewMap) -> Void) {
        publish(snapshot())
        state.withLock { $0.lastPublish = monotonicNanoseconds() }
    }

    func maybePublish(_ publish: @Sendable (OverviewMap) -> Void) {
        let now = monotonicNanoseconds()
        let due = state.withLock { s -> Bool in
            guard now > s.lastPublish, now - s.lastPublish >= options.publishInterval else { return false }
            s.lastPublish = now
            return true
        }
        if due { publish(snapshot()) }
    }

    /// Data bytes per cell from the hole map (all data when the source cannot say).
    private func mapHoles() {
        let extents = reader.dataExtents()
        let clipped: [Range<Int64>] = (extents ?? [plan.range]).compactMap { e in
            let lo = max(e.lowerBound, plan.range.lowerBound)
            let hi = min(e.upperBound, plan.range.upperBound)
            return lo < hi ? lo..<hi : nil
        }
        state.withLock { s in
            s.extents = clipped
            s.holeMapped = extents != nil
            for e in clipped {
                guard var i = plan.index(of: e.lowerBound) else { continue }
                var pos = e.lowerBound
                while pos < e.upperBound {
                    let end = min(e.upperBound, plan.start(i + 1))
                    s.cells[i].data += end - pos
                    pos = end
                    i += 1
                }
            }
        }
    }

    /// The data ranges of cell `i` (from the hole map), in order.
    func dataRanges(_ i: Int, _ extents: [Range<Int64>]) -> [Range<Int64>] {
        let r = plan.cell(i)
        // First extent that ends after the cell's start (binary search).
        var lo = 0
        var hi = extents.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if extents[mid].upperBound <= r.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        var out: [Range<Int64>] = []
        var k = lo
        while k < extents.count && extents[k].lowerBound < r.upperBound {
            out.append(max(extents[k].lowerBound, r.lowerBound)..<min(extents[k].upperBound, r.upperBound))
            k += 1
        }
        return out
    }

    /// The offset `fraction` of the way through cell `i`'s data.
    func position(_ i: Int, fraction: Double, _ extents: [Range<Int64>]) -> Int64? {
        let ranges = dataRanges(i, extents)
        let total = ranges.reduce(Int64(0)) { $0 + Int64($1.count) }
        guard total > 0 else { return nil }
        var target = min(total - 1, Int64(Double(total) * min(max(fraction, 0), 1)))
        for r in ranges {
            if target < Int64(r.count) { return r.lowerBound + target }
            target -= Int64(r.count)
        }
        return ranges.last.map { $0.upperBound - 1 }
    }
}
