@testable import Inspector
import Testing

/// Random walks through views, completions and failures, checking after every
/// step the rules the cache promises.
@Suite struct PageCacheInvariantTests {
    struct Rng: RandomNumberGenerator {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func check(_ c: PageCache, inFlight: [PageIndex: UInt64], step: Int) {
        let cfg = c.configuration
        // One read per page, within the slot limit, matching what was issued.
        #expect(c.inFlightCount == inFlight.count, "step \(step)")
        #expect(inFlight.count <= cfg.maxInFlight, "step \(step)")
        for (p, token) in inFlight {
            guard case let .inFlight(t)? = c.slots[p] else {
                Issue.record("step \(step): \(p) issued but not in flight"); continue
            }
            #expect(t == token)
        }
        // Budget: only visible pages and in-flight reads may push past it.
        let visibleCount = c.visiblePages.count
        #expect(c.loadedCount + c.inFlightCount <= max(cfg.budgetPages, visibleCount + cfg.maxInFlight), "step \(step)")
        let loadedNotVisible = c.slots.filter { p, s in
            if case .loaded = s { return !c.visiblePages.contains(p.rawValue) }
            return false
        }.count
        if c.loadedCount + c.inFlightCount > cfg.budgetPages {
            #expect(loadedNotVisible == 0 || c.inFlightCount + visibleCount >= cfg.budgetPages, "step \(step): over budget with evictable pages")
        }
        // Visible pages are never absent (they are loaded, wanted, failed or being read).
        for raw in c.visiblePages { #expect(c.slots[PageIndex(raw)] != nil, "step \(step): visible page \(raw) absent") }
        // The queue holds exactly the queued pages, each once.
        let queued = Set(c.slots.compactMap { p, s -> PageIndex? in if case .queued = s { return p }; return nil })
        #expect(Set(c.queue) == queued && c.queue.count == queued.count, "step \(step)")
        // Counts agree with the states.
        let loaded = c.slots.values.filter { if case .loaded = $0 { true } else { false } }.count
        #expect(loaded == c.loadedCount && c.pagesByRecency.count == loaded, "step \(step)")
        #expect(c.bytesInUse <= c.counters.bytesPeak || c.counters.readsIssued == 0)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomWalksKeepTheRules(seed: UInt64) {
        var rng = Rng(s: seed)
        let budget = Int.random(in: 1...12, using: &rng)
        let cfg = PageCacheConfiguration(pageSize: 4096, budgetBytes: budget * 4096,
                                         maxInFlight: Int.random(in: 1...6, using: &rng),
                                         minReadaheadPages: Int.random(in: 0...2, using: &rng),
                                         maxReadaheadPages: Int.random(in: 2...16, using: &rng),
                                         retryCooldownNanoseconds: 50)
        let size = Int64.random(in: 1...(200 * 4096), using: &rng)
        var c = PageCache(configuration: cfg, sourceSize: size)
        var inFlight: [PageIndex: UInt64] = [:]
        var pendingReads: [PageRead] = []
        var offset: Int64 = 0
        var now: UInt64 = 0
        func absorb(_ a: PageCacheActions) {
            for r in a.reads {
                #expect(inFlight[r.page] == nil, "a second read for \(r.page)")
                #expect(r.offset < size && r.length == cfg.pageSize)
                inFlight[r.page] = r.token
                pendingReads.append(r)
            }
            for e in a.evictions { #expect(inFlight[e] == nil && !c.visiblePages.contains(e.rawValue)) }
        }
        for step in 0..<3000 {
            now += UInt64.random(in: 0...20, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...2:  // scroll a little
                offset = max(0, offset + Int64.random(in: -3000...3000, using: &rng))
                absorb(c.show(offset..<(offset + Int64.random(in: 1...9000, using: &rng)), now: now))
            case 3:  // jump (sometimes past the end)
                offset = Int64.random(in: 0...(size + 8192), using: &rng)
                c.moved(by: 1 << 40)
                absorb(c.show(offset..<(offset + 640), now: now))
            case 4...7 where !pendingReads.isEmpty:  // a read finishes, in any order
                let r = pendingReads.remove(at: Int.random(in: 0..<pendingReads.count, using: &rng))
                inFlight[r.page] = nil
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    let out = c.failed(r.page, token: r.token, message: "EIO", now: now)
                    #expect(out.accepted)
                    absorb(out.actions)
                } else {
                    let out = c.completed(r.page, token: r.token, length: c.layout.expectedLength(of: r.page))
                    #expect(out.accepted)
                    absorb(out.actions)
                }
            case 8:
                absorb(c.retry(Int.random(in: 0..<2, using: &rng) == 0 ? nil : offset..<(offset + 4096)))
            default:
                break
            }
            check(c, inFlight: inFlight, step: step)
        }
        // Everything settles: all reads complete, nothing stays in flight.
        while let r = pendingReads.first {
            pendingReads.removeFirst()
            inFlight[r.page] = nil
            absorb(c.completed(r.page, token: r.token, length: c.layout.expectedLength(of: r.page)).actions)
        }
        check(c, inFlight: inFlight, step: -1)
        #expect(c.inFlightCount == 0)
    }
}
