import BlockDevice
import LinuxAIO

/// Runs a `PageCache` over the read path: feeds it the view and the
/// completions, issues its reads as tasks (visible pages in the `.visible`
/// class, prefetches in `.readahead`), keeps the pages' bytes, and answers
/// the renderer without ever waiting on the disk.
///
/// Every method except `close()` is synchronous and cheap: call `show` when
/// the view changes and `bytes(in:)` every frame; redraw when `changes`
/// yields (a page arrived or failed).
///
/// Pages are `AlignedBuffer`s of one page each, allocated when their read is
/// issued. A buffer whose read turned stale is dropped, never reused (the
/// engine keeps it alive until the kernel is done with it).
public final class PageCacheDriver: Sendable {
    /// The read path every page comes through.
    public let reader: MediaReader
    public let configuration: PageCacheConfiguration
    public let layout: PageLayout
    /// Yields after a page arrives or fails. Coalesced (the newest only): one
    /// redraw per wake-up covers every arrival before it. One consumer.
    public let changes: AsyncStream<Void>

    private let continuation: AsyncStream<Void>.Continuation
    private let bufferAlignment: Int
    private let state: Protected<State>

    private struct State {
        var cache: PageCache
        var buffers: [PageIndex: AlignedBuffer] = [:]
        /// Buffers of evicted pages, kept for the next reads (at most `maxInFlight`).
        /// Reusing them keeps the allocator from fragmenting under churn (random
        /// jumps); only buffers the engine has finished with land here — never
        /// one from a stale or failed read.
        var spares: [AlignedBuffer] = []
        var closed = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []

        mutating func release(_ evictions: [PageIndex], keep: Int) {
            for p in evictions {
                if let b = buffers.removeValue(forKey: p), spares.count < keep { spares.append(b) }
            }
        }

        mutating func takeSpares(_ n: Int) -> [AlignedBuffer] {
            let k = min(n, spares.count)
            defer { spares.removeLast(k) }
            return Array(spares.suffix(k))
        }
    }

    /// The default configuration for `source`: 64 KiB pages (or the source's
    /// alignment if larger), 64 MiB, as many reads in flight as engine slots.
    public static func defaultConfiguration(for reader: MediaReader) -> PageCacheConfiguration {
        var c = PageCacheConfiguration(maxInFlight: reader.limits.total)
        let align = reader.geometry.alignment.offset
        while c.pageSize < align { c.pageSize *= 2 }
        return c
    }

    /// - Throws: `PageCacheError.invalidConfiguration` when the page size is
    ///   not a power of two at least the source's O_DIRECT alignment, or the
    ///   budget is smaller than a page.
    public init(reader: MediaReader, configuration: PageCacheConfiguration? = nil) throws(PageCacheError) {
        let config = configuration ?? Self.defaultConfiguration(for: reader)
        try config.validate(alignment: reader.geometry.alignment.offset)
        self.reader = reader
        self.configuration = config
        layout = PageLayout(pageSize: config.pageSize, sourceSize: reader.geometry.size)
        // Exactly what O_DIRECT needs: posix_memalign pads each page by up to
        // the alignment, and with a thousand pages 4 KiB of padding is 4 MiB.
        bufferAlignment = reader.geometry.alignment.memory
        state = Protected(State(cache: PageCache(configuration: config, sourceSize: reader.geometry.size)))
        (changes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    deinit { continuation.finish() }

    // MARK: Inputs

    /// The view now shows `bytes`: starts their reads (and readahead) if needed.
    public func show(_ bytes: Range<Int64>) {
        let now = monotonicNanoseconds()
        let (reads, spares) = state.withLock { s -> ([PageRead], [AlignedBuffer]) in
            guard !s.closed else { return ([], []) }
            let a = s.cache.show(bytes, now: now)
            s.release(a.evictions, keep: configuration.maxInFlight)
            return (a.reads, s.takeSpares(a.reads.count))
        }
        start(reads, spares: spares)
    }

    /// The user moved by `delta` bytes (direction and size of travel). Optional:
    /// `show` infers the move from the previous view when this is not called.
    public func moved(by delta: Int64) {
        state.withLock { s in if !s.closed { s.cache.moved(by: delta) } }
    }

    /// Reads failed ranges in `bytes` (all when nil) again if they are wanted.
    public func retry(_ bytes: Range<Int64>? = nil) {
        let (reads, spares) = state.withLock { s -> ([PageRead], [AlignedBuffer]) in
            guard !s.closed else { return ([], []) }
            let a = s.cache.retry(bytes)
            s.release(a.evictions, keep: configuration.maxInFlight)
            return (a.reads, s.takeSpares(a.reads.count))
        }
        start(reads, spares: spares)
    }

    /// `bytes` were written at `offset` (a committed, verified patch): the
    /// loaded pages they touch take the new bytes now, so the next frame and
    /// everything derived from it shows them; a read in flight over them is
    /// stale and its page is read again.
    public func wrote(_ bytes: [UInt8], at offset: Int64) {
        guard !bytes.isEmpty else { return }
        let range = offset..<(offset + Int64(bytes.count))
        let (reads, spares) = state.withLock { s -> ([PageRead], [AlignedBuffer]) in
            guard !s.closed else { return ([], []) }
            var stale: [Range<Int64>] = []
            for raw in layout.pages(overlapping: range) {
                let page = PageIndex(raw)
                let start = layout.offset(of: page)
                guard case let .loaded(length) = s.cache.state(of: page), let buffer = s.buffers[page] else {
                    stale.append(max(start, range.lowerBound)..<min(start + Int64(layout.pageSize), range.upperBound))
                    continue
                }
                let lo = max(start, range.lowerBound), hi = min(start + Int64(length), range.upperBound)
                if lo < hi {
                    bytes.withUnsafeBytes { src in
                        (buffer.baseAddress + Int(lo - start)).copyMemory(
                            from: src.baseAddress! + Int(lo - offset), byteCount: Int(hi - lo))
                    }
                }
            }
            var reads: [PageRead] = []
            var evictions: [PageIndex] = []
            for r in stale {
                let a = s.cache.invalidate(r)
                reads += a.reads
                evictions += a.evictions
            }
            s.release(evictions, keep: configuration.maxInFlight)
            return (reads, s.takeSpares(reads.count))
        }
        start(reads, spares: spares)
        continuation.yield(())
    }

    // MARK: Accessors for the renderer (never wait)

    /// The byte at `offset`, or why it cannot be shown.
    public func byte(at offset: Int64) -> ByteCell {
        bytes(in: offset..<(offset + 1))[0]
    }

    /// One cell per offset in `range`.
    public func bytes(in range: Range<Int64>) -> [ByteCell] {
        var out: [ByteCell] = []
        self.cells(in: range, into: &out)
        return out
    }

    /// Replaces the contents of `cells` with one cell per offset in `range`,
    /// reusing its storage (a renderer can keep one array across frames).
    public func cells(in range: Range<Int64>, into cells: inout [ByteCell]) {
        cells.removeAll(keepingCapacity: true)
        cells.reserveCapacity(range.count)
        state.withLock { s in
            var offset = range.lowerBound
            while offset < range.upperBound {
                let page = layout.page(containing: offset)
                let pageStart = layout.offset(of: page)
                let pageEnd = min(range.upperBound, pageStart + Int64(layout.pageSize))
                Self.append(&cells, s: s, page: page, from: Int(offset - pageStart), count: Int(pageEnd - offset),
                            sourceSize: layout.sourceSize, pageStart: pageStart)
                offset = pageEnd
            }
        }
    }

    /// True when every byte of `range` can be drawn from memory (loaded, or
    /// known unreadable or past the end): nothing in it is pending.
    public func isResident(_ range: Range<Int64>) -> Bool {
        state.withLock { s in
            for raw in layout.pages(overlapping: range) {
                switch s.cache.state(of: PageIndex(raw)) {
                case .loaded, .failed: continue
                default: return false
                }
            }
            return true
        }
    }

    /// The state of one page (diagnostics, tests).
    public func state(of page: PageIndex) -> PageState {
        state.withLock { $0.cache.state(of: page) }
    }

    /// Counters and occupancy for the status bar.
    public func statistics() -> PageCacheStatistics {
        state.withLock { $0.cache.statistics }
    }

    /// Unreadable ranges and why, in offset order.
    public func failedRanges() -> [FailedRange] {
        state.withLock { $0.cache.failedRanges() }
    }

    // MARK: Shutdown

    /// Drops queued reads, waits for those in flight, releases every page and,
    /// when `closeSource`, closes the read path and its source. Later calls
    /// do nothing new.
    public func close(closeSource: Bool = true) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                s.closed = true
                s.cache.abandonQueue()
                if s.cache.inFlightCount == 0 { return true }
                s.drainWaiters.append(c)
                return false
            }
            if ready { c.resume() }
        }
        state.withLock { s in
            s.buffers.removeAll()
            s.spares.removeAll()
        }
        continuation.finish()
        if closeSource { await reader.close() }
    }

    // MARK: Machinery

    private static func append(_ cells: inout [ByteCell], s: State, page: PageIndex, from: Int, count: Int,
                               sourceSize: Int64, pageStart: Int64) {
        let valid = Int(max(0, min(Int64(count), sourceSize - pageStart - Int64(from))))
        switch s.cache.state(of: page) {
        case let .loaded(length):
            // No buffer only after close() released them: nothing to show.
            guard let buffer = s.buffers[page] else {
                cells.append(contentsOf: repeatElement(ByteCell.pending, count: valid))
                break
            }
            let have = max(0, min(valid, length - from))
            let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress + from, count: have)
            for b in bytes { cells.append(.byte(b)) }
            cells.append(contentsOf: repeatElement(ByteCell.unreadable, count: valid - have))
        case .failed:
            cells.append(contentsOf: repeatElement(ByteCell.unreadable, count: valid))
        default:
            cells.append(contentsOf: repeatElement(ByteCell.pending, count: valid))
        }
        cells.append(contentsOf: repeatElement(ByteCell.pastEnd, count: count - valid))
    }

    /// Issues `reads`, into `spares` first, then into new buffers.
    private func start(_ reads: [PageRead], spares: [AlignedBuffer]) {
        var spares = spares
        for read in reads {
            let buffer = spares.popLast() ?? AlignedBuffer(count: read.length, alignment: bufferAlignment)
            Task(priority: .userInitiated) { [reader] in
                do {
                    let n = try await reader.read(at: read.offset, into: buffer, length: read.length, as: read.readClass)
                    self.finish(read, buffer: buffer, result: .success(n))
                } catch {
                    self.finish(read, buffer: buffer, result: .failure(error))
                }
            }
        }
    }

    private func finish(_ read: PageRead, buffer: AlignedBuffer, result: Result<Int, any Error>) {
        let now = monotonicNanoseconds()
        let (accepted, reads, spares, waiters) = state.withLock {
            s -> (Bool, [PageRead], [AlignedBuffer], [CheckedContinuation<Void, Never>]) in
            let outcome: (accepted: Bool, actions: PageCacheActions)
            switch result {
            case let .success(n):
                outcome = s.cache.completed(read.page, token: read.token, length: n)
                if outcome.accepted && !s.closed { s.buffers[read.page] = buffer }
            case let .failure(error):
                outcome = s.cache.failed(read.page, token: read.token, message: "\(error)", now: now)
            }
            s.release(outcome.actions.evictions, keep: s.closed ? 0 : configuration.maxInFlight)
            var waiters: [CheckedContinuation<Void, Never>] = []
            if s.closed && s.cache.inFlightCount == 0 { swap(&waiters, &s.drainWaiters) }
            return (outcome.accepted, outcome.actions.reads, s.takeSpares(outcome.actions.reads.count), waiters)
        }
        start(reads, spares: spares)
        if accepted { continuation.yield(()) }
        for w in waiters { w.resume() }
    }
}
