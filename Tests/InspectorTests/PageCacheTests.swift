@testable import Inspector
import Testing

/// 64 KiB pages, as in the product.
let K64 = 65_536

func config(budgetPages: Int = 64, maxInFlight: Int = 8, minRA: Int = 2, maxRA: Int = 32,
            cooldown: UInt64 = 1_000) -> PageCacheConfiguration {
    PageCacheConfiguration(pageSize: K64, budgetBytes: budgetPages * K64, maxInFlight: maxInFlight,
                           minReadaheadPages: minRA, maxReadaheadPages: maxRA, retryCooldownNanoseconds: cooldown)
}

func pages(_ a: PageCacheActions) -> [Int64] { a.reads.map(\.page.rawValue) }

/// Completes every read in `reads` with full pages, returning what they led to.
@discardableResult
func completeAll(_ cache: inout PageCache, _ reads: [PageRead]) -> [PageRead] {
    var pending = reads
    var issued: [PageRead] = []
    while let r = pending.first {
        pending.removeFirst()
        let out = cache.completed(r.page, token: r.token, length: cache.layout.expectedLength(of: r.page))
        #expect(out.accepted)
        issued += out.actions.reads
        pending += out.actions.reads
    }
    return issued
}

@Suite struct PageLayoutTests {
    @Test func cutsASourceIntoPagesWithAShortLastPage() {
        let l = PageLayout(pageSize: K64, sourceSize: 200_000)
        #expect(l.pageCount == 4)
        #expect(l.expectedLength(of: PageIndex(0)) == K64)
        #expect(l.expectedLength(of: PageIndex(3)) == 200_000 - 3 * K64)
        #expect(l.expectedLength(of: PageIndex(4)) == 0)
        #expect(l.pages(overlapping: 65_000..<65_600) == 0..<2)
        #expect(l.pages(overlapping: 199_990..<200_640) == 3..<4)
        #expect(l.pages(overlapping: 300_000..<300_640).isEmpty)
        #expect(PageLayout(pageSize: K64, sourceSize: 0).pageCount == 0)
    }

    @Test func validatesTheConfiguration() {
        #expect(throws: PageCacheError.self) { try PageCacheConfiguration(pageSize: 3000).validate(alignment: 512) }
        #expect(throws: PageCacheError.self) { try PageCacheConfiguration(pageSize: 2048).validate(alignment: 4096) }
        #expect(throws: PageCacheError.self) { try PageCacheConfiguration(budgetBytes: 1000).validate(alignment: 512) }
        #expect(throws: PageCacheError.self) { try PageCacheConfiguration(maxInFlight: 0).validate(alignment: 512) }
        #expect(throws: Never.self) { try PageCacheConfiguration().validate(alignment: 4096) }
    }
}

@Suite struct PageCacheTests {
    @Test func visiblePagesComeFirstThenReadaheadForward() {
        var c = PageCache(configuration: config(), sourceSize: 1 << 30)
        let a = c.show(65_000..<65_640, now: 0)
        #expect(pages(a) == [0, 1, 2, 3])
        #expect(a.reads.allSatisfy { $0.length == K64 && $0.offset == $0.page.rawValue * Int64(K64) })
        #expect(c.state(of: PageIndex(0)) == .inFlight)
        #expect(c.state(of: PageIndex(4)) == .absent)
    }

    @Test func onlyOneReadPerPageHoweverOftenItIsShown() {
        var c = PageCache(configuration: config(), sourceSize: 1 << 30)
        let first = c.show(0..<640, now: 0)
        #expect(pages(first) == [0, 1, 2])
        #expect(c.show(0..<640, now: 0).reads.isEmpty)
        #expect(c.show(16..<656, now: 0).reads.allSatisfy { ![0, 1, 2].contains($0.page.rawValue) })
        let tokens = Set(first.reads.map(\.token))
        #expect(tokens.count == 3)
    }

    @Test func boundsReadsInFlightAndIssuesMoreAsReadsComplete() {
        var c = PageCache(configuration: config(maxInFlight: 2, minRA: 2), sourceSize: 1 << 30)
        let a = c.show(0..<(3 * Int64(K64)), now: 0)
        #expect(pages(a) == [0, 1])
        #expect(c.statistics.pagesQueued == 3)
        let next = c.completed(PageIndex(1), token: a.reads[1].token, length: K64)
        #expect(pages(next.actions) == [2])
        #expect(c.statistics.pagesInFlight == 2)
    }

    @Test func readaheadDoublesWhileScrollingAndCollapsesOnAJump() {
        var c = PageCache(configuration: config(minRA: 2, maxRA: 16), sourceSize: 1 << 30)
        _ = c.show(0..<640, now: 0)
        var widths: [Int] = []
        for i in 1...5 {
            let o = Int64(i) * 640
            _ = c.show(o..<(o + 640), now: 0)
            widths.append(c.window)
        }
        #expect(widths == [4, 8, 16, 16, 16])
        _ = c.show(500_000_000..<500_000_640, now: 0)
        #expect(c.window == 2)
        #expect(c.counters.jumps == 1)
        #expect(c.direction == .forward)
    }

    @Test func explicitMovesAreNotCountedTwice() {
        var c = PageCache(configuration: config(minRA: 2, maxRA: 16), sourceSize: 1 << 30)
        _ = c.show(0..<640, now: 0)
        c.moved(by: 640)
        _ = c.show(640..<1280, now: 0)
        #expect(c.window == 4)
        c.moved(by: 1 << 28)  // a jump, even though the view below looks near
        _ = c.show(1280..<1920, now: 0)
        #expect(c.window == 2)
    }

    @Test func travellingBackwardReadsAheadBelowInDescendingOrder() {
        var c = PageCache(configuration: config(minRA: 2, maxRA: 8), sourceSize: 1 << 30)
        let top = 100 * Int64(K64)
        let a = c.show(top..<(top + 640), now: 0)
        completeAll(&c, a.reads)
        let b = c.show((top - 640)..<top, now: 0)  // Page Up
        #expect(c.direction == .backward)
        #expect(pages(b) == [99, 98, 97])  // visible first, then downwards (window reset to 2)
    }

    @Test func changingDirectionResetsTheWindow() {
        var c = PageCache(configuration: config(minRA: 2, maxRA: 16), sourceSize: 1 << 30)
        _ = c.show(0..<640, now: 0)
        _ = c.show(640..<1280, now: 0)
        _ = c.show(1280..<1920, now: 0)
        #expect(c.window == 8)
        _ = c.show(640..<1280, now: 0)
        #expect(c.window == 2 && c.direction == .backward)
        #expect(c.counters.jumps == 0)
    }

    @Test func queuedPrefetchesAreDroppedOnAJumpBeforeSubmission() {
        var c = PageCache(configuration: config(maxInFlight: 1, minRA: 4), sourceSize: 1 << 30)
        let a = c.show(0..<640, now: 0)
        #expect(pages(a) == [0])
        #expect(c.statistics.pagesQueued == 4)
        let far = 1000 * Int64(K64)
        let b = c.show(far..<(far + 640), now: 0)
        #expect(b.reads.isEmpty)  // the only slot is still busy with page 0
        #expect(c.counters.droppedPrefetches == 4)
        for p in 1...4 { #expect(c.state(of: PageIndex(Int64(p))) == .absent) }
        let done = c.completed(PageIndex(0), token: a.reads[0].token, length: K64)
        #expect(pages(done.actions) == [1000])  // the new view, not the stale readahead
        #expect(c.state(of: PageIndex(0)) == .loaded(length: K64))  // the stale read is kept: it cost I/O
    }

    @Test func evictsTheLeastRecentlyUsedPageUnderTheBudget() {
        var c = PageCache(configuration: config(budgetPages: 3, maxInFlight: 1, minRA: 0, maxRA: 0), sourceSize: 1 << 30)
        var evicted: [Int64] = []
        for p in [0, 1, 2, 0, 3, 4] as [Int64] {
            let o = p * Int64(K64)
            let a = c.show(o..<(o + 640), now: 0)
            evicted += a.evictions.map(\.rawValue)
            completeAll(&c, a.reads)
        }
        #expect(evicted == [1, 2])  // 0 was used again before 3 arrived
        #expect(c.pagesByRecency.map(\.rawValue) == [0, 3, 4])
        #expect(c.bytesInUse == 3 * K64)
        #expect(c.counters.bytesPeak == 3 * K64)
    }

    @Test func neverEvictsVisiblePagesEvenOverBudget() {
        var c = PageCache(configuration: config(budgetPages: 1, maxInFlight: 4, minRA: 0, maxRA: 0), sourceSize: 1 << 30)
        completeAll(&c, c.show(0..<640, now: 0).reads)
        let straddle = c.show((Int64(K64) - 320)..<(Int64(K64) + 320), now: 0)
        #expect(pages(straddle) == [1])
        #expect(straddle.evictions.isEmpty)
        #expect(c.state(of: PageIndex(0)) == .loaded(length: K64))
        completeAll(&c, straddle.reads)
        #expect(c.bytesInUse == 2 * K64)  // both visible: over budget by necessity
        let away = c.show(10 * Int64(K64)..<(10 * Int64(K64) + 640), now: 0)
        #expect(Set(away.evictions.map(\.rawValue)) == [0, 1])
    }

    @Test func neverEvictsPagesInFlight() {
        var c = PageCache(configuration: config(budgetPages: 2, maxInFlight: 4, minRA: 0, maxRA: 0), sourceSize: 1 << 30)
        var reads: [PageRead] = []
        for p in [0, 10, 20] as [Int64] {
            let o = p * Int64(K64)
            let a = c.show(o..<(o + 640), now: 0)
            #expect(a.evictions.isEmpty)
            reads += a.reads
        }
        #expect(pages(PageCacheActions(reads: reads)) == [0, 10, 20])
        #expect(c.bytesInUse == 3 * K64)
        // Page 0 lands while over budget and not visible: it goes at once.
        let done = c.completed(PageIndex(0), token: reads[0].token, length: K64)
        #expect(done.actions.evictions.map(\.rawValue) == [0])
        #expect(c.state(of: PageIndex(0)) == .absent)
    }

    @Test func prefetchesWaitWhenOnlyWantedPagesCouldBeEvicted() {
        // The window is clipped to half the budget (2 pages); 3 visible + 2 > 4.
        var c = PageCache(configuration: config(budgetPages: 4, maxInFlight: 8, minRA: 2, maxRA: 8), sourceSize: 1 << 30)
        let a = c.show(0..<(3 * Int64(K64)), now: 0)
        #expect(pages(a) == [0, 1, 2, 3])
        #expect(completeAll(&c, a.reads).isEmpty)  // page 4 would need page 3 (readahead) evicted
        #expect(c.state(of: PageIndex(4)) == .queued)
        #expect(c.bytesInUse == 4 * K64)
        #expect(c.counters.evictions == 0)
    }

    @Test func staleCompletionsAreRefused() {
        var c = PageCache(configuration: config(), sourceSize: 1 << 30)
        let a = c.show(0..<640, now: 0)
        let r = a.reads[0]
        #expect(c.completed(r.page, token: r.token + 999, length: K64).accepted == false)
        #expect(c.completed(PageIndex(77), token: 1, length: K64).accepted == false)
        #expect(c.failed(PageIndex(77), token: 1, message: "x", now: 0).accepted == false)
        #expect(c.counters.staleCompletions == 3)
        #expect(c.completed(r.page, token: r.token, length: K64).accepted)
        #expect(c.completed(r.page, token: r.token, length: K64).accepted == false)  // twice
    }
}
