import BlockDevice
import Glibc
import Inspector
import LinuxAIO
import Testing
import TestSupport

/// The driver over real O_DIRECT files and a real AioContext, with wrappers
/// that inject failures or hold reads back.
@Suite(.enabled(if: Capability.realAIO, "needs O_DIRECT files in /var/tmp and io_setup"))
struct PageCacheDriverTests {
    static let size = 200_000  // three full 64 KiB pages and a short one

    func expected(_ range: Range<Int64>) -> [ByteCell] {
        range.map { $0 < Int64(Self.size) ? .byte(TestFiles.pattern(Int($0))) : .pastEnd }
    }

    @Test(arguments: [false, true])
    func showsTheFileBytesOnceTheirPagesArrive(threaded: Bool) async throws {
        let path = try TestFiles.make(size: Self.size, name: "shows\(threaded)")
        defer { unlink(path) }
        let cache = try PageCacheDriver(source: try DirectFileSource(path: path, threaded: threaded))
        let view: Range<Int64> = 65_000..<65_640  // straddles pages 0 and 1
        cache.show(view)
        try await eventually("the view") { cache.isResident(view) }
        #expect(cache.bytes(in: view) == expected(view))
        #expect(cache.byte(at: 65_536) == .byte(TestFiles.pattern(65_536)))
        let stats = cache.statistics()
        #expect(stats.pagesInFlight + stats.pagesLoaded >= 2)
        await cache.close()
    }

    @Test func theLastPageIsShortAndBytesPastTheEndAreMarked() async throws {
        let path = try TestFiles.make(size: Self.size)
        defer { unlink(path) }
        let cache = try PageCacheDriver(source: try DirectFileSource(path: path))
        let view = Int64(Self.size - 320)..<Int64(Self.size + 320)
        cache.show(view)
        #expect(cache.bytes(in: view).suffix(320).allSatisfy { $0 == .pastEnd })  // known before any read
        try await eventually("the tail") { cache.isResident(view) }
        #expect(cache.bytes(in: view) == expected(view))
        #expect(cache.failedRanges().isEmpty)
        await cache.close()
    }

    @Test func notifiesWhenAPageArrives() async throws {
        let path = try TestFiles.make(size: Self.size)
        defer { unlink(path) }
        let cache = try PageCacheDriver(source: try DirectFileSource(path: path))
        var changes = cache.changes.makeAsyncIterator()
        cache.show(0..<640)
        while !cache.isResident(0..<640), await changes.next() != nil {}
        #expect(cache.isResident(0..<640))
        await cache.close()
        var after = 0
        while await changes.next() != nil { after += 1 }  // the stream finishes on close
        #expect(after <= 1)  // at most the one coalesced notification still buffered
    }

    @Test func aFailedReadIsUnreadableListedAndRetriedOnDemand() async throws {
        let path = try TestFiles.make(size: Self.size)
        defer { unlink(path) }
        let source = FaultySource(try DirectFileSource(path: path))
        source.fail(65_536..<65_537)
        var cfg = PageCacheDriver.defaultConfiguration(for: source)
        cfg.retryCooldownNanoseconds = .max
        let cache = try PageCacheDriver(source: source, configuration: cfg)
        let view: Range<Int64> = 65_000..<65_640
        cache.show(view)
        try await eventually("the failure") { cache.isResident(view) }
        let cells = cache.bytes(in: view)
        #expect(Array(cells.prefix(536)) == Array(expected(view).prefix(536)))  // page 0 is fine
        #expect(cells.suffix(104).allSatisfy { $0 == .unreadable })  // never zero-filled
        let failed = cache.failedRanges()
        #expect(failed.map(\.range) == [65_536..<131_072])
        #expect(failed.first?.message.contains("Input/output error") == true, "\(failed)")
        #expect(cache.statistics().pagesFailed == 1)

        let readsBefore = source.readOffsets.filter { $0 == 65_536 }.count
        cache.show(view)  // still in view: not retried behind the user's back
        #expect(source.readOffsets.filter { $0 == 65_536 }.count == readsBefore)

        source.heal()
        cache.retry()
        try await eventually("the retry") { cache.bytes(in: view) == expected(view) }
        #expect(cache.failedRanges().isEmpty)
        await cache.close()
    }

    @Test func staleReadaheadIsNotSubmittedAfterAJump() async throws {
        let path = try TestFiles.make(size: 4 << 20)
        defer { unlink(path) }
        let source = GatedSource(try DirectFileSource(path: path))
        var cfg = PageCacheDriver.defaultConfiguration(for: source)
        cfg.maxInFlight = 1
        cfg.minReadaheadPages = 4
        let cache = try PageCacheDriver(source: source, configuration: cfg)
        cache.show(0..<640)
        try await eventually("the first read") { source.waitingCount == 1 }
        let far: Int64 = 40 * 65_536
        cache.show(far..<(far + 640))
        #expect(cache.statistics().counters.droppedPrefetches == 4)
        source.release(0)
        try await eventually("the jump's read") { source.submitted.count == 2 }
        #expect(source.submitted == [0, far])
        while source.release(source.submitted.last!) {
            try await eventually("the next read") { source.waitingCount > 0 || cache.statistics().pagesInFlight == 0 }
        }
        try await eventually("the jump target") { cache.isResident(far..<(far + 640)) }
        #expect(!source.submitted.contains(65_536))  // page 1 was readahead for a view left behind
        await cache.close()
    }

    @Test func closeWaitsForReadsInFlight() async throws {
        let path = try TestFiles.make(size: Self.size)
        defer { unlink(path) }
        let source = GatedSource(try DirectFileSource(path: path))
        let cache = try PageCacheDriver(source: source)
        cache.show(0..<640)
        try await eventually("reads submitted") { source.waitingCount > 0 }
        let closing = Task { await cache.close(closeSource: false) }
        try await Task.sleep(nanoseconds: 20_000_000)
        #expect(cache.statistics().pagesInFlight > 0)
        for o in source.submitted { source.release(o) }
        await closing.value
        #expect(cache.statistics().pagesInFlight == 0)
        #expect(cache.bytes(in: 0..<16).allSatisfy { $0 == .pending })  // pages released
        cache.show(0..<640)  // ignored once closed
        #expect(source.waitingCount == 0)
        await source.close()
    }

    @Test func evictedPagesAreReusedWithoutServingStaleBytes() async throws {
        let size = 4 << 20
        let path = try TestFiles.make(size: size)
        defer { unlink(path) }
        let source = try DirectFileSource(path: path)
        var cfg = PageCacheDriver.defaultConfiguration(for: source)
        cfg.budgetBytes = 4 * 65_536  // 64 pages of file through 4 pages of cache
        let cache = try PageCacheDriver(source: source, configuration: cfg)
        var rng = SystemRandomNumberGenerator()
        for step in 0..<150 {
            // Mostly scrolling, sometimes jumping, so both readahead and eviction churn.
            let o = step % 5 == 4 ? Int64.random(in: 0..<Int64(size - 4096), using: &rng) : Int64(step) * 20_000
            let view = o..<(o + 4096)
            cache.show(view)
            try await eventually("view \(view)") { cache.isResident(view) }
            #expect(cache.bytes(in: view) == view.map { .byte(TestFiles.pattern(Int($0))) }, "step \(step)")
            #expect(cache.statistics().bytesCached <= cfg.budgetBytes)
        }
        #expect(cache.statistics().counters.evictions > 0)
        await cache.close()
    }

    @Test func rejectsAPageSizeBelowTheSourceAlignment() throws {
        let path = try TestFiles.make(size: Self.size)
        defer { unlink(path) }
        let source = try DirectFileSource(path: path)
        let cfg = PageCacheConfiguration(pageSize: source.geometry.alignment.offset / 2)
        #expect(throws: PageCacheError.self) { try PageCacheDriver(source: source, configuration: cfg) }
    }
}
