@testable import blkview
import Foundation
import Testing

/// Runs `bench --mode scroll|jumps` before the command is wired. Disabled
/// unless BLKVIEW_BENCH_FILE names a file; prints the JSON report. It checks
/// no timing: the figures are for people to read.
///
///     BLKVIEW_BENCH_FILE=/var/tmp/x BLKVIEW_BENCH_MODE=scroll BLKVIEW_BENCH_RATE=1000 \
///     BLKVIEW_BENCH_DURATION=10 BLKVIEW_BENCH_SLOTS=8 swift test --filter ScrollBenchHarness
@Suite struct ScrollBenchHarness {
    static let env = ProcessInfo.processInfo.environment

    @Test(.enabled(if: env["BLKVIEW_BENCH_FILE"] != nil, "set BLKVIEW_BENCH_FILE to run the benchmark"))
    func runTheBenchmark() async throws {
        let env = Self.env
        var options = ScrollBenchOptions()
        options.mode = ScrollBenchMode(rawValue: env["BLKVIEW_BENCH_MODE"] ?? "scroll") ?? .scroll
        if let v = env["BLKVIEW_BENCH_RATE"].flatMap(Double.init) { options.pagesPerSecond = v }
        if let v = env["BLKVIEW_BENCH_DURATION"].flatMap(Double.init) { options.duration = v }
        if let v = env["BLKVIEW_BENCH_COUNT"].flatMap(Int.init) { options.count = v }
        if let v = env["BLKVIEW_BENCH_SEED"].flatMap(UInt64.init) { options.seed = v }
        if let v = env["BLKVIEW_BENCH_CACHE"].flatMap(Int.init) { options.cacheBytes = v }
        if let v = env["BLKVIEW_BENCH_PAGE_SIZE"].flatMap(Int.init) { options.pageSize = v }
        let slots = env["BLKVIEW_BENCH_SLOTS"].flatMap(Int.init) ?? 8
        let source = try DirectFileSource(path: env["BLKVIEW_BENCH_FILE"]!, slots: slots)
        let report = try await runScrollBench(source: source, options: options)
        await source.close()
        let json = report.json()
        print("BENCH \(json)")
        if let out = env["BLKVIEW_BENCH_OUT"] { try (json + "\n").write(toFile: out, atomically: true, encoding: .utf8) }
        #expect(report.frames > 0)
    }
}
