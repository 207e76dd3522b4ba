import BlockDevice
import Foundation
import LinuxAIO

/// The viewer's machinery without a terminal: owns the read path, the page
/// cache and background work (searches, structure probes); turns effects into
/// work and results into events; hands each frame a snapshot. Every method is
/// synchronous and cheap: the UI thread never awaits I/O.
public final class ViewerSession: Sendable {
    /// The read path every byte on screen, every search and every probe comes through.
    public let reader: MediaReader
    public let cache: PageCacheDriver
    /// The writer of a `--write` session; nil when read-only (then nothing
    /// here can write: the source was opened read-only).
    public let patcher: PatchSession?
    private let wake: @Sendable () -> Void
    private let inbox = Protected<[ViewerEvent]>([])
    private let search = Protected<Task<Void, Never>?>(nil)
    private let history = Protected(LatencyHistory())
    private let listener = Protected<Task<Void, Never>?>(nil)
    private let probe = Protected<Task<Void, Never>?>(nil)
    private let partitionScan = Protected<Task<Void, Never>?>(nil)
    /// The overview map's background fill (`m`, F8).
    private let map: MapDriver
    /// The Files panel's and the owner line's workers (nil: no file systems).
    private let files: FilesService?

    /// - Parameter wake: called from any thread when something new should be
    ///   drawn (a page arrived, a search progressed); the UI redraws.
    /// - Parameter files: how to start file-system workers on this media (nil: no Files panel).
    public init(cache: PageCacheDriver, patcher: PatchSession? = nil, files: FilesConfiguration? = nil,
                wake: @escaping @Sendable () -> Void) {
        let reader = cache.reader
        self.reader = reader
        self.cache = cache
        self.patcher = patcher
        self.wake = wake
        map = MapDriver(reader: reader)
        self.files = files.map { FilesService($0, reader: reader, wake: wake) }
        // A viewer is open: background work (hash, search) takes only its share of the slots.
        reader.setInteractive(true)
        let changes = cache.changes
        listener.withLock { $0 = Task { for await _ in changes { wake() } } }
        // Partitions and file systems for the structure panel and the status
        // bar's field names: a few MiB read in the background.
        reprobe()
    }

    /// Reads the partition tables and file systems again (at open, and after
    /// a committed write changed bytes they are decoded from).
    private func reprobe() {
        let reader = self.reader
        let post: @Sendable (ViewerEvent) -> Void = { [weak self] e in self?.post(e) }
        probe.withLock { old in
            old?.cancel()
            old = Task {
                if let layout = try? await StructureReader.probe(reader) { post(.structureLoaded(layout)) }
            }
        }
    }

    /// Events produced by background work since the last call.
    public func takeEvents() -> [ViewerEvent] {
        inbox.withLock { q in defer { q.removeAll() }; return q } + (files?.takeEvents() ?? [])
    }

    /// Tells the cache what the view shows now (visible pages first, readahead
    /// in the direction of travel).
    public func show(_ state: ViewerState) {
        var r = state.visibleRange
        // The data inspector reads up to 16 bytes from the cursor.
        if state.panels.contains(.inspector) { r = r.lowerBound..<max(r.upperBound, min(state.source.size, state.cursor + 16)) }
        if !r.isEmpty { cache.show(r) }
        if state.panels.contains(.map) { map.look(at: state.mapLookRange) }
        files?.track(state)
    }

    /// What the frame needs besides the state; `cells` is reused across frames.
    public func snapshot(for state: ViewerState, cells: inout [ByteCell]) -> FrameSnapshot {
        cache.cells(in: state.visibleRange, into: &cells)
        var cursorCells: [ByteCell] = []
        if state.panels.contains(.inspector) {
            let end = state.cursor.addingReportingOverflow(16)
            cache.cells(in: state.cursor..<(end.overflow ? .max : end.partialValue), into: &cursorCells)
        }
        let reads = reader.statistics()
        // The engine's own figures add what is not a read: patch writes and syncs.
        let io = reader.source.engine.statistics()
        let stats = cache.statistics()
        let samples = history.withLock { h in
            h.sample(reads, io, now: monotonicNanoseconds())
            return h.samples
        }
        return FrameSnapshot(
            cells: cells, io: io, reads: reads,
            cache: CacheSummary(hitRate: stats.hitRate, cachedBytes: Int64(stats.bytesCached),
                                pagesInFlight: stats.pagesInFlight, unreadableRanges: cache.failedRanges().count),
            journal: patcher?.lines ?? [], latencyHistory: samples, cursorCells: cursorCells
        )
    }

    /// Carries out what the reducer asked for.
    public func perform(_ effect: ViewerEffect, state: ViewerState) {
        switch effect {
        case .quit:
            cancelSearch()
            partitionScan.withLock { $0 }?.cancel()
        case .startPartitionScan:
            startPartitionScan(path: state.source.path)
        case .cancelPartitionScan:
            partitionScan.withLock { $0 }?.cancel()
        case let .startSearch(pattern, from, forward, id):
            startSearch(pattern, from: from, forward: forward, id: id)
        case .cancelSearch:
            cancelSearch()
        case .cancelBackground:
            state.background?.cancel()
        case .retryUnreadable:
            cache.retry(state.visibleRange)
        case let .assessChecksums(runs):
            let post: @Sendable (ViewerEvent) -> Void = { [weak self] e in self?.post(e) }
            guard let layout = state.disk else {
                post(.checksumsAssessed(runs, .failed("partitions and file systems are still being probed")))
                return
            }
            let reader = self.reader
            Task { post(.checksumsAssessed(runs, await ChecksumReader.assess(reader, layout: layout, runs: runs))) }
        case let .startMap(plan, fill):
            map.start(plan, fill: fill) { [weak self] m in self?.post(.mapUpdated(m)) }
        case .stopMap:
            map.stop()
        case let .files(request):
            guard let files else {
                if case let .open(off, _) = request { post(.files(.openFailed(fsOffset: off, "no file-system support in this session"))) }
                return
            }
            files.perform(request)
        case let .commit(runs, sync):
            guard let patcher else {
                post(.commitFinished(CommitOutcome(verified: [], failure: "read-only session: nothing can be written")))
                return
            }
            let post: @Sendable (ViewerEvent) -> Void = { [weak self] e in self?.post(e) }
            patcher.commit(runs, sync: sync, progress: wake) { [weak self] outcome in
                // Coherence: the verified bytes are in the cached pages
                // already (PatchSession.onWritten); what is decoded from
                // them is decoded again.
                if !outcome.verified.isEmpty { self?.reprobe() }
                post(.commitFinished(outcome))
            }
        }
    }

    /// Stops background work and closes the cache and the source.
    public func close() async {
        cancelSearch()
        partitionScan.withLock { $0 }?.cancel()
        await map.close()
        listener.withLock { $0 }?.cancel()
        if let p = probe.withLock({ $0 }) {
            p.cancel()
            await p.value
        }
        await files?.close()
        await patcher?.close()
        await cache.close(closeSource: true)
    }

    private func post(_ e: ViewerEvent) {
        inbox.withLock { $0.append(e) }
        wake()
    }

    /// Bytes per read of the viewer's searches (smaller than the batch
    /// command's: the first match near the cursor comes sooner).
    static let searchChunk = 1 << 20

    /// Runs the one search engine (`PatternSearch`, as `blkview search`)
    /// from `from` in the background class; replaces a search under way.
    private func startSearch(_ pattern: SearchPattern, from: Int64, forward: Bool, id: Int) {
        let reader = self.reader
        let post: @Sendable (ViewerEvent) -> Void = { [weak self] e in self?.post(e) }
        let task = Task {
            var engine = PatternSearch(pattern: pattern.bytes)
            engine.chunk = Self.searchChunk
            var lastReport: UInt64 = 0
            let event: ViewerEvent
            do {
                let (hit, outcome) = try await engine.next(in: reader, from: from, forward: forward) { done, total in
                    let now = monotonicNanoseconds()
                    if now - lastReport >= 50_000_000 {
                        lastReport = now
                        post(.searchProgress(done: done, total: total, id: id))
                    }
                    return true
                }
                event = .searchFinished(hit.map { .found($0) } ?? .notFound, skipped: outcome.unreadable.map(\.range), id: id)
            } catch is CancellationError {
                event = .searchFinished(.cancelled, id: id)
            } catch {
                event = .searchFinished(.failed("\(error)"), id: id)
            }
            post(event)
        }
        search.withLock { old in
            old?.cancel()
            old = task
        }
    }

    /// `S` in the structure panel: the quick scan in the background class,
    /// progress at most 10 times a second.
    private func startPartitionScan(path: String) {
        let reader = self.reader
        let post: @Sendable (ViewerEvent) -> Void = { [weak self] e in self?.post(e) }
        let lastReport = Protected<UInt64>(0)
        let task = Task {
            let outcome: PartitionScanOutcome
            do {
                let report = try await PartitionScanner.scan(reader, path: path) { p in
                    let now = monotonicNanoseconds()
                    let due = lastReport.withLock { t -> Bool in
                        if now - t < 100_000_000 { return false }
                        t = now
                        return true
                    }
                    if due { post(.partitionScanProgress(p)) }
                }
                outcome = .found(report.candidates, inTable: report.partitions.map(\.offset), label: report.script.label)
            } catch is CancellationError {
                outcome = .cancelled
            } catch {
                outcome = .failed("\(error)")
            }
            post(.partitionScanFinished(outcome))
        }
        partitionScan.withLock { old in
            old?.cancel()
            old = task
        }
    }

    private func cancelSearch() {
        search.withLock { $0 }?.cancel()
    }
}

/// Mean completion latency per sampling interval, derived from the read
/// path's cumulative histograms (every class) and the engine's for writes and
/// syncs (count × mean differences), for the sparkline.
struct LatencyHistory {
    static let interval: UInt64 = 250_000_000
    static let keep = 240
    var samples: [LatencySample] = []
    private var lastTime: UInt64 = 0
    private var lastCount: UInt64 = 0
    private var lastSum: Double = 0

    mutating func sample(_ reads: ReadPathStatistics, _ io: IOStatistics, now: UInt64) {
        guard now - lastTime >= Self.interval else { return }
        var count: UInt64 = 0
        var sum = 0.0
        let histograms = reads.classes.map(\.latency) + io.latency.filter { $0.key != .read }.map(\.value)
        for h in histograms where h.totalCount > 0 {
            count += h.totalCount
            sum += h.mean * Double(h.totalCount)
        }
        if lastTime != 0 {
            let n = count - lastCount
            samples.append(LatencySample(completions: Int(n), meanMicroseconds: n > 0 ? (sum - lastSum) / Double(n) : 0))
            if samples.count > Self.keep { samples.removeFirst(samples.count - Self.keep) }
        }
        lastTime = now
        lastCount = count
        lastSum = sum
    }
}
