import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// `bench --mode scroll|jumps`: how a user moving through a cold source sees
/// the page cache. `BenchCommand` wires it: `--mode`, `--pages-per-second`,
/// `--duration`, `--count`, `--seed`, `--page-size`, `--cache`; `--slots`
/// sizes the source's engine (the cache keeps that many reads in flight);
/// `--json` prints `report.json()`. Reads are O_DIRECT, so the kernel's page
/// cache does not make a run warm.
///
/// Jumps stall nearly every frame by design (a random jump lands on pages
/// nobody could have prefetched); what they measure is how long the user
/// waits: `jumpToFullFrameUs`, from the jump to the moment every byte of the
/// new screen is in memory.
enum ScrollBenchMode: String, Codable, Sendable, CaseIterable {
    /// Holding Page Down from offset 0: one screen per frame.
    case scroll
    /// `count` seeded random jumps, one per frame.
    case jumps
}

struct ScrollBenchOptions: Sendable {
    var mode: ScrollBenchMode = .scroll
    /// Frames (screens) per second: `--pages-per-second`.
    var pagesPerSecond: Double = 60
    /// Scroll mode: seconds of scrolling (`--duration`); stops early at the end.
    var duration: Double = 10
    /// Jumps mode: number of jumps (`--count`).
    var count: Int = 1000
    /// Jumps mode: `--seed`.
    var seed: UInt64 = 1
    var rows: Int = 40
    var bytesPerRow: Int = 16
    /// Page cache settings (`--page-size`, `--cache`); in-flight reads are the
    /// engine's slots.
    var pageSize: Int = 64 << 10
    var cacheBytes: Int = 64 << 20
    /// Give up waiting for the first screen after this many seconds.
    var openTimeout: Double = 30

    var screenBytes: Int64 { Int64(rows * bytesPerRow) }
}

/// The JSON object `bench --json` prints (snake_case keys).
struct ScrollBenchReport: Codable, Sendable {
    struct Percentiles: Codable, Sendable {
        var p50: Double
        var p99: Double
        var max: Double
    }

    var mode: ScrollBenchMode
    var path: String
    var engine: String
    var slots: Int
    var pageSize: Int
    var cacheBudget: Int
    var pagesPerSecond: Double
    var screenBytes: Int64
    /// Frames drawn after the first screen was shown (the "open" is not a frame).
    var frames: Int
    /// Frames with at least one visible byte still pending when drawn.
    var stalledFrames: Int
    var stalledRatio: Double
    /// Visible-page lookups found in memory, over all lookups.
    var hitRate: Double
    /// Time to compute one frame: tell the cache the view, fetch the cells,
    /// format the hex rows. Sleeping between frames is not included.
    var frameUs: Percentiles
    var cacheBytesPeak: Int
    /// Time from the first `show` until the first screen was in memory.
    var openUs: Double
    /// Jumps mode: from each jump to the first frame with every byte in
    /// memory (the wait a user sees); nil in scroll mode.
    var jumpToFullFrameUs: Percentiles?
    var elapsedSeconds: Double
    var readsIssued: Int
    var droppedPrefetches: Int
    var evictions: Int
    var failedRanges: Int
    /// Process RSS before the cache was created and its peak (VmHWM) at the end.
    var rssStartBytes: Int
    var rssPeakBytes: Int

    /// The report as one JSON object with sorted snake_case keys.
    func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

enum ScrollBenchError: Error, CustomStringConvertible {
    case sourceTooSmall(size: Int64, screen: Int64)
    case openTimedOut(seconds: Double)
    case invalid(String)

    var description: String {
        switch self {
        case let .sourceTooSmall(size, screen):
            "the source (\(size) B) is smaller than one screen (\(screen) B)"
        case let .openTimedOut(s):
            "the first screen was not read within \(s) s — is the device responding?"
        case let .invalid(s): s
        }
    }
}

/// Runs the scroll or jumps benchmark over `source` (which it does not close).
func runScrollBench(source: any BlockSource, options: ScrollBenchOptions) async throws -> ScrollBenchReport {
    let screen = options.screenBytes
    let size = source.geometry.size
    guard options.pagesPerSecond > 0, options.rows > 0, options.bytesPerRow > 0 else {
        throw ScrollBenchError.invalid("--pages-per-second, rows and bytes per row must be positive")
    }
    guard size >= screen else { throw ScrollBenchError.sourceTooSmall(size: size, screen: screen) }
    let rssStart = BenchMemory.currentRSS()
    let reader = MediaReader(source)
    var config = PageCacheDriver.defaultConfiguration(for: reader)
    config.pageSize = max(options.pageSize, config.pageSize)
    config.budgetBytes = options.cacheBytes
    let cache = try PageCacheDriver(reader: reader, configuration: config)

    // Open: the first screen, waited for, as the viewer's first draw would be.
    let openStart = monotonicNanoseconds()
    cache.show(0..<screen)
    let openDeadline = openStart + UInt64(options.openTimeout * 1e9)
    while !cache.isResident(0..<screen) {
        if monotonicNanoseconds() > openDeadline { throw ScrollBenchError.openTimedOut(seconds: options.openTimeout) }
        try await Task.sleep(nanoseconds: 200_000)
    }
    let openNs = monotonicNanoseconds() - openStart

    let frameCount: Int
    switch options.mode {
    case .scroll: frameCount = min(Int(options.duration * options.pagesPerSecond), Int((size - screen) / screen))
    case .jumps: frameCount = options.count
    }
    var rng = SplitMix64(seed: options.seed)
    let rowsSpan = (size - screen) / Int64(options.bytesPerRow)
    var frameNs: [UInt64] = []
    frameNs.reserveCapacity(frameCount)
    var fullFrameNs: [UInt64] = []
    var changes = cache.changes.makeAsyncIterator()
    var stalled = 0
    var sink = 0
    let clock = ContinuousClock()
    let start = clock.now
    for i in 0..<frameCount {
        try await clock.sleep(until: start + .seconds(Double(i) / options.pagesPerSecond), tolerance: nil)
        let offset: Int64 = switch options.mode {
        case .scroll: Int64(i + 1) * screen
        case .jumps: Int64(rng.next() % UInt64(rowsSpan + 1)) * Int64(options.bytesPerRow)
        }
        let t0 = monotonicNanoseconds()
        cache.show(offset..<(offset + screen))
        let cells = cache.bytes(in: offset..<(offset + screen))
        let pending = cells.contains(.pending)
        if pending { stalled += 1 }
        sink &+= HexRows.format(cells, at: offset, bytesPerRow: options.bytesPerRow).utf8.count
        frameNs.append(monotonicNanoseconds() - t0)
        if options.mode == .jumps {
            // Wait for the arrival that completes this screen (each arrival
            // wakes `changes`), as the viewer's redraw would.
            while pending, !cache.isResident(offset..<(offset + screen)) {
                if await changes.next() == nil { break }
            }
            fullFrameNs.append(monotonicNanoseconds() - t0)
        }
    }
    let elapsed = clock.now - start
    let stats = cache.statistics()
    let failed = cache.failedRanges().count
    await cache.close(closeSource: false)
    precondition(sink >= 0)

    func percentiles(_ ns: [UInt64]) -> ScrollBenchReport.Percentiles {
        let sorted = ns.sorted()
        func at(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let i = min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)
            return Double(sorted[max(0, i)]) / 1000
        }
        return .init(p50: at(0.50), p99: at(0.99), max: at(1.0))
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return ScrollBenchReport(
        mode: options.mode, path: source.path, engine: "\(source.engine.kind)", slots: source.engine.slots,
        pageSize: config.pageSize, cacheBudget: config.budgetBytes, pagesPerSecond: options.pagesPerSecond,
        screenBytes: screen, frames: frameCount, stalledFrames: stalled,
        stalledRatio: frameCount == 0 ? 0 : Double(stalled) / Double(frameCount),
        hitRate: stats.hitRate,
        frameUs: percentiles(frameNs),
        cacheBytesPeak: stats.counters.bytesPeak, openUs: Double(openNs) / 1000,
        jumpToFullFrameUs: options.mode == .jumps ? percentiles(fullFrameNs) : nil, elapsedSeconds: seconds,
        readsIssued: stats.counters.readsIssued, droppedPrefetches: stats.counters.droppedPrefetches,
        evictions: stats.counters.evictions, failedRanges: failed,
        rssStartBytes: rssStart, rssPeakBytes: BenchMemory.peakRSS())
}

/// A stand-in for the hex view's drawing: `offset  hh hh …  |ascii|` per row.
enum HexRows {
    static func format(_ cells: [ByteCell], at offset: Int64, bytesPerRow: Int) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(cells.count * 5)
        var row = 0
        while row * bytesPerRow < cells.count {
            let rowCells = cells[(row * bytesPerRow)..<min(cells.count, (row + 1) * bytesPerRow)]
            out.append(contentsOf: String(offset + Int64(row * bytesPerRow), radix: 16).utf8)
            out.append(contentsOf: "  ".utf8)
            for cell in rowCells {
                switch cell {
                case let .byte(b): out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
                case .pending: out.append(contentsOf: "··".utf8)
                case .unreadable: out.append(contentsOf: "??".utf8)
                case .pastEnd: out.append(contentsOf: "  ".utf8)
                }
                out.append(32)
            }
            out.append(124)
            for cell in rowCells { out.append(cell.value.map { (32..<127).contains($0) ? $0 : 46 } ?? 32) }
            out.append(contentsOf: "|\n".utf8)
            row += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}


/// Resident memory of this process, from /proc/self/status.
///
/// Not getrusage: Linux keeps `ru_maxrss` across execve, so a process started
/// by a big parent (swift test, a shell in a fat process) inherits its peak.
enum BenchMemory {
    /// Peak resident set size (VmHWM), in bytes; 0 if unknown.
    static func peakRSS() -> Int { field("VmHWM:") }

    /// Current resident set size (VmRSS), in bytes; 0 if unknown.
    static func currentRSS() -> Int { field("VmRSS:") }

    private static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let kib = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
            return kib * 1024
        }
        return 0
    }
}
