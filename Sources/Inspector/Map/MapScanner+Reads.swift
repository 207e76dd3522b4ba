import BlockDevice
import Foundation
import LinuxAIO

/// The reads of a fill: samples, the coarse pass, refinement, the full pass.
extension MapScanner {
    /// Bytes a sample reads (a 4 KiB block, or the source's alignment if larger).
    var sampleBytes: Int { max(MapClassifier.unit, reader.geometry.alignment.offset) }

    /// Where sample `k` of a cell goes: the coarse one in the middle of its
    /// data, the others stratified (1/2S, 3/2S, … of the way).
    func fraction(_ k: Int) -> Double {
        k == 0 ? 0.5 : (Double(2 * (k - 1) + 1)) / Double(2 * max(1, options.extraSamples))
    }

    /// Reads one sample around `offset` for cell `cell` and tallies it.
    func sample(cell: Int, at offset: Int64, buffer: AlignedBuffer) async throws {
        let a = Int64(sampleBytes)
        let r = plan.cell(cell)
        let size = reader.geometry.size
        var start = offset / a * a
        if start < r.lowerBound { start = min((r.lowerBound + a - 1) / a * a, max(0, (r.upperBound - 1) / a * a)) }
        let want = Int(min(a, size - start))
        guard want > 0 else { return }
        let length = Int((Int64(want) + Int64(reader.geometry.alignment.offset) - 1) / Int64(max(1, reader.geometry.alignment.offset))
            * Int64(max(1, reader.geometry.alignment.offset)))
        do {
            let n = try await reader.read(at: start, into: buffer, length: min(buffer.count, length), as: .background)
            let got = min(n, want)
            record(buffer.baseAddress, at: start, count: got, full: false)
            if got < want { recordUnreadable(start + Int64(got)..<start + Int64(want)) }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            recordUnreadable(start..<start + Int64(want))
        }
    }

    /// Tallies `count` bytes read into `p` at `at` on the lanes (split
    /// between them at a 4 KiB edge), or on this task without lanes. The
    /// bytes stay valid until this returns: the lanes get their address only.
    func recordOnLanes(_ lanes: TallyLanes?, _ p: UnsafeRawPointer, at: Int64, count: Int) async {
        guard let lanes else { return record(p, at: at, count: count, full: true) }
        let address = UInt(bitPattern: p)
        let parts = max(1, min(lanes.count, count / (256 << 10)))
        let step = (count / parts + MapClassifier.unit - 1) / MapClassifier.unit * MapClassifier.unit
        await withTaskGroup(of: Void.self) { group in
            var off = 0
            while off < count {
                let (lo, n) = (off, min(step, count - off))
                group.addTask {
                    await lanes.run {
                        let base = UnsafeRawPointer(bitPattern: address)!
                        self.record(base + lo, at: at + Int64(lo), count: n, full: true)
                    }
                }
                off += n
            }
        }
    }

    /// Adds bytes read at `at` to the cells they fall in.
    func record(_ p: UnsafeRawPointer, at: Int64, count: Int, full: Bool) {
        var parts: [(Int, ByteTally)] = []
        MapClassifier.tally(p, at: at, count: count, plan: plan) { parts.append(($0, $1)) }
        state.withLock { s in
            s.bytesRead += Int64(count)
            for (i, t) in parts {
                if full { s.cells[i].full.add(t) } else { s.cells[i].sample.add(t) }
                s.cells[i].read += t.bytes
            }
        }
    }

    func recordUnreadable(_ r: Range<Int64>) {
        let lo = max(r.lowerBound, plan.range.lowerBound)
        let hi = min(r.upperBound, plan.range.upperBound)
        guard lo < hi, var i = plan.index(of: lo) else { return }
        state.withLock { s in
            var pos = lo
            while pos < hi {
                let end = min(hi, plan.start(i + 1))
                s.cells[i].unreadable += end - pos
                pos = end
                i += 1
            }
        }
    }

    /// Runs `work` on up to `options.concurrency` workers, each with its own
    /// sample buffer, until `next()` has nothing more.
    func workers(_ next: @escaping @Sendable () -> (cell: Int, offset: Int64)?, _ publish: @escaping @Sendable (OverviewMap) -> Void) async throws {
        let bytes = sampleBytes
        let align = max(reader.geometry.alignment.memory, 4096)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<options.concurrency {
                group.addTask {
                    let buffer = try AlignedBuffer(checked: bytes, alignment: align)
                    while let job = next() {
                        try Task.checkCancellation()
                        try await self.sample(cell: job.cell, at: job.offset, buffer: buffer)
                        self.maybePublish(publish)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// One sample in the middle of each cell's data, cells in order.
    func coarse(_ publish: @escaping @Sendable (OverviewMap) -> Void) async throws {
        let extents = state.withLock { $0.extents }
        let cursor = Protected(0)
        let count = plan.cellCount
        try await workers({ [self] in
            while true {
                let i = cursor.withLock { c -> Int in defer { c += 1 }; return c }
                guard i < count else { return nil }
                let claimed = state.withLock { s -> Bool in
                    guard s.cells[i].data > 0, s.cells[i].samples == 0 else { return false }
                    s.cells[i].samples = 1
                    return true
                }
                if claimed, let at = position(i, fraction: 0.5, extents) { return (i, at) }
            }
        }, publish)
    }

    /// More samples (nearest the look first), full reads of the cells in
    /// the look range; with `follow`, waits for the look to move when done.
    func refine(_ publish: @escaping @Sendable (OverviewMap) -> Void) async throws {
        let extents = state.withLock { $0.extents }
        let total = 1 + options.extraSamples
        while true {
            try Task.checkCancellation()
            if let cell = nextLookCell() {
                setPhaseIfNeeded(.refining)
                try await readFully(cell, extents, publish)
                continue
            }
            let batch = nextSamples(limit: options.concurrency * 4, total: total, extents)
            if !batch.isEmpty {
                setPhaseIfNeeded(.refining)
                let queue = Protected(batch)
                try await workers({ queue.withLock { q in q.isEmpty ? nil : q.removeFirst() } }, publish)
                continue
            }
            setPhaseIfNeeded(.complete)
            publishNow(publish)
            guard options.follow else { return }
            let generation = state.withLock { $0.lookGeneration }
            while state.withLock({ $0.lookGeneration }) == generation {
                try await Task.sleep(nanoseconds: 100_000_000)
            }
        }
    }

    private func setPhaseIfNeeded(_ p: MapPhase) {
        state.withLock { s in if s.phase != p { s.phase = p } }
    }

    /// The cell in the look range not yet read in full nearest its middle.
    func nextLookCell() -> Int? {
        state.withLock { s -> Int? in
            guard let look = s.look, let a = plan.index(of: max(look.lowerBound, plan.range.lowerBound)),
                  let b = plan.index(of: min(look.upperBound, plan.range.upperBound) - 1), a <= b else { return nil }
            let mid = (a + b) / 2
            for d in 0...max(mid - a, b - mid) {
                for i in [mid + d, mid - d] where i >= a && i <= b && !s.cells[i].complete {
                    return i
                }
            }
            return nil
        }
    }

    /// Up to `limit` samples still to take, nearest the look (or the start) first; claims them.
    func nextSamples(limit: Int, total: Int, _ extents: [Range<Int64>]) -> [(cell: Int, offset: Int64)] {
        var out: [(Int, Int)] = []
        state.withLock { s in
            let centre = s.look.flatMap { plan.index(of: min(max($0.lowerBound, plan.range.lowerBound), plan.range.upperBound - 1)) } ?? 0
            let n = s.cells.count
            // Following the user: more samples only near where they look
            // (the rest keeps its coarse sample); else every cell.
            let reach = options.follow && s.look != nil ? min(n, options.followReach) : n
            var d = 0
            while out.count < limit && d < reach {
                for i in (d == 0 ? [centre] : [centre + d, centre - d]) where i >= 0 && i < n {
                    let c = s.cells[i]
                    if c.data > 0 && c.samples < total && !c.complete && c.unreadable == 0 && out.count < limit {
                        out.append((i, c.samples))
                        s.cells[i].samples += 1
                    }
                }
                d += 1
            }
        }
        return out.compactMap { i, k in position(i, fraction: fraction(k), extents).map { (i, $0) } }
    }

    /// Reads the rest of cell `i`'s data in order, stopping early when the look moves.
    func readFully(_ i: Int, _ extents: [Range<Int64>], _ publish: @escaping @Sendable (OverviewMap) -> Void) async throws {
        let (next, generation) = state.withLock { ($0.cells[i].fullNext ?? plan.start(i), $0.lookGeneration) }
        let ranges = dataRanges(i, extents).compactMap { r in max(r.lowerBound, next) < r.upperBound ? max(r.lowerBound, next)..<r.upperBound : nil }
        guard !ranges.isEmpty else {
            state.withLock { $0.cells[i].fullComplete = true }
            return
        }
        let chunks = ChunkReader(reader: reader, ranges: ranges, chunk: 1 << 20, depth: 2)
        chunks.readAhead = 0  // stops when the look moves: read no more than it needs
        chunks.recover = true
        var reported = 0
        var moved = false
        do {
            while let c = try await chunks.next() {
                if let base = c.bytes.baseAddress { await recordOnLanes(lanes, base, at: c.offset, count: c.bytes.count) }
                let bad = chunks.unreadable
                for u in bad.dropFirst(reported) { recordUnreadable(u.range) }
                reported = bad.count
                let end = c.offset + Int64(c.bytes.count)
                state.withLock { $0.cells[i].fullNext = end }
                maybePublish(publish)
                if state.withLock({ $0.lookGeneration }) != generation {
                    moved = true
                    break
                }
            }
        } catch {
            await chunks.finish()
            throw error
        }
        await chunks.finish()
        for u in chunks.unreadable.dropFirst(reported) { recordUnreadable(u.range) }
        // Read to the end (unreadable pieces included: they are not read again here).
        if !moved { state.withLock { $0.cells[i].fullComplete = true } }
    }

    /// Every data byte of the plan in order (`map --full`): the reads of
    /// `bench --mode seq`, failed chunks split down to the sector.
    func fullPass(_ publish: @escaping @Sendable (OverviewMap) -> Void) async throws {
        let extents = state.withLock { s -> [Range<Int64>] in
            // The full pass replaces the samples.
            for i in s.cells.indices { s.cells[i].sample = ByteTally(); s.cells[i].fullNext = nil }
            return s.extents
        }
        // As `bench --mode seq` reads: 1 MiB O_DIRECT reads into 2 MiB pages
        // (a read is then one request of one segment, not 256 pinned 4 KiB
        // pages split over two requests; and the tally takes no TLB miss per
        // 4 KiB). Measured on the test VM's disk: 4 MiB x 4 made 0.88x of
        // 1 MiB x 8. 8 reads at the kernel, as bench keeps (16 kept the
        // disk's queue at ~11 and read slower: a median 1,697 MiB/s against
        // 1,786 for 8, bench 1,927, four alternating rounds on the quiet
        // VM), and 8 buffers more that the reads fill while the lanes lag.
        let chunks = ChunkReader(reader: reader, ranges: extents, chunk: 1 << 20, depth: 8)
        chunks.readAhead = 8
        chunks.recover = true
        chunks.hugePages = true
        // The tally of chunk k runs on the lanes while chunk k + 1 is taken
        // and handed to them: no barrier per chunk (waiting for each tally
        // before the next chunk left each lane idle half the time: ~0.93 of
        // 2 cores busy, the disk's queue at 1-2). Chunk k's bytes stay valid
        // until its tally is awaited, before the next `next()`.
        chunks.keepPrevious = 1
        var tallying: Task<Void, Never>?
        var reported = 0
        do {
            while let c = try await chunks.next() {
                var started: Task<Void, Never>?
                if let base = c.bytes.baseAddress {
                    let (address, at, count, lanes) = (UInt(bitPattern: base), c.offset, c.bytes.count, lanes)
                    started = Task { await self.recordOnLanes(lanes, UnsafeRawPointer(bitPattern: address)!, at: at, count: count) }
                }
                await tallying?.value
                tallying = started
                let bad = chunks.unreadable
                if bad.count > reported {
                    for u in bad.dropFirst(reported) { recordUnreadable(u.range) }
                    reported = bad.count
                }
                maybePublish(publish)
            }
            await tallying?.value
        } catch {
            await tallying?.value  // its chunk's buffer must outlive the tally
            await chunks.finish()
            throw error
        }
        for u in chunks.unreadable.dropFirst(reported) { recordUnreadable(u.range) }
        state.withLock { s in for i in s.cells.indices { s.cells[i].fullComplete = true } }
    }
}
