@testable import Inspector
import Testing

@Suite struct PageCacheFailureTests {
    func failedPageZero(cooldown: UInt64 = 1_000) -> PageCache {
        var c = PageCache(configuration: config(minRA: 0, maxRA: 0, cooldown: cooldown), sourceSize: 1 << 30)
        let a = c.show(0..<640, now: 0)
        #expect(c.failed(a.reads[0].page, token: a.reads[0].token, message: "EIO at 0", now: 100).accepted)
        return c
    }

    @Test func aFailedPageIsListedAndNotRereadWhileInView() {
        var c = failedPageZero()
        #expect(c.state(of: PageIndex(0)) == .failed(message: "EIO at 0"))
        #expect(c.failedRanges() == [FailedRange(range: 0..<Int64(K64), message: "EIO at 0")])
        #expect(c.show(16..<656, now: 1_000_000).reads.isEmpty)  // still in view, long after
        #expect(c.statistics.pagesFailed == 1)
    }

    @Test func aFailedPageIsRereadWhenItComesBackAfterTheCooldown() {
        var c = failedPageZero(cooldown: 1_000)
        let far = 50 * Int64(K64)
        _ = c.show(far..<(far + 640), now: 200)
        #expect(c.show(0..<640, now: 500).reads.isEmpty)  // back too soon
        _ = c.show(far..<(far + 640), now: 600)
        #expect(pages(c.show(0..<640, now: 1_100)) == [0])  // back after the cool-down
        #expect(c.failedRanges().isEmpty)
    }

    @Test func anExplicitRetryRereadsVisibleFailuresAtOnce() {
        var c = failedPageZero(cooldown: .max)
        let r = c.retry(0..<10)
        #expect(pages(r) == [0])
        #expect(c.state(of: PageIndex(0)) == .inFlight)
        #expect(c.failedRanges().isEmpty)
    }

    @Test func retryIsLimitedToTheGivenRange() {
        var c = PageCache(configuration: config(maxInFlight: 8, minRA: 0, maxRA: 0), sourceSize: 1 << 30)
        let a = c.show(0..<(Int64(K64) * 2), now: 0)
        for r in a.reads { c.failed(r.page, token: r.token, message: "EIO", now: 0) }
        #expect(c.failedRanges() == [FailedRange(range: 0..<(2 * Int64(K64)), message: "EIO")])  // merged
        #expect(pages(c.retry(Int64(K64)..<(Int64(K64) + 1))) == [1])
        #expect(c.state(of: PageIndex(0)) == .failed(message: "EIO"))
        #expect(pages(c.retry()) == [0])
    }

    @Test func readaheadDoesNotRetryFailures() {
        var c = PageCache(configuration: config(minRA: 2, maxRA: 2), sourceSize: 1 << 30)
        let a = c.show(0..<640, now: 0)
        for r in a.reads where r.page.rawValue == 1 { c.failed(r.page, token: r.token, message: "EIO", now: 0) }
        #expect(!pages(c.show(640..<1280, now: 10_000)).contains(1))
    }

    @Test func theLastPageIsShortAndBytesPastTheEndDoNotExist() {
        let size: Int64 = 200_000
        var c = PageCache(configuration: config(minRA: 0, maxRA: 0), sourceSize: size)
        let a = c.show((size - 100)..<(size + 540), now: 0)
        #expect(pages(a) == [3])
        #expect(a.reads[0].length == K64)  // aligned length; the source answers short
        #expect(c.completed(PageIndex(3), token: a.reads[0].token, length: Int(size) - 3 * K64).accepted)
        #expect(c.loadedLength(of: PageIndex(3)) == Int(size) - 3 * K64)
        #expect(c.failedRanges().isEmpty)
        #expect(c.show(size..<(size + 640), now: 0).reads.isEmpty)  // entirely past the end
    }

    @Test func aShortReadBeforeTheEndIsListedAsUnreadable() {
        var c = PageCache(configuration: config(minRA: 0, maxRA: 0), sourceSize: 1 << 30)
        let a = c.show(0..<640, now: 0)
        _ = c.completed(PageIndex(0), token: a.reads[0].token, length: 4096)
        #expect(c.failedRanges().map(\.range) == [4096..<Int64(K64)])
        #expect(pages(c.retry()) == [0])  // a retry reads it again
    }
}
