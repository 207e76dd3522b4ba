import Foundation
import Histogram
import Inspector
import LinuxAIO

/// What `blkview bench` measures: the engine alone, like fio — `slots`
/// workers each keeping one request in flight on an O_DIRECT descriptor.
struct IOBenchConfig: Sendable {
    enum Pattern: String, Sendable { case seq, rand }
    var pattern: Pattern
    var blockSize: Int
    var slots: Int
    var seconds: Double
    var write: Bool
    var sync: SyncLevel
    var engine: EngineChoice
    var seed: UInt64 = 1
}

/// The figures of one run.
struct IOBenchReport: Sendable {
    var mode: String
    var engine: EngineKind
    var engineNote: String?
    var blockSize: Int
    var slots: Int
    var write: Bool
    var sync: SyncLevel
    var ops: Int
    var bytes: Int64
    var seconds: Double
    /// Per-request latency in nanoseconds.
    var latency: Histogram<UInt64>

    var iops: Double { Double(ops) / seconds }
    var mibPerSecond: Double { Double(bytes) / seconds / 1_048_576 }
    func latencyMicroseconds(_ percentile: Double) -> Double { Double(latency.valueAtPercentile(percentile)) / 1000 }
    var maxLatencyMicroseconds: Double { Double(latency.max) / 1000 }

    /// One JSON object: the contract of `bench --json`.
    var json: String {
        func num(_ v: Double) -> String { String(format: "%.3f", v) }
        return """
        {"mode":"\(mode)","engine":"\(engine)","block_size":\(blockSize),"slots":\(slots),\
        "write":\(write),"sync":"\(sync.rawValue)","ops":\(ops),"bytes":\(bytes),\
        "seconds":\(num(seconds)),"iops":\(num(iops)),"mib_per_s":\(num(mibPerSecond)),\
        "latency_us":{"mean":\(num(latency.mean / 1000)),"p50":\(num(latencyMicroseconds(50))),"p90":\(num(latencyMicroseconds(90))),\
        "p99":\(num(latencyMicroseconds(99))),"max":\(num(maxLatencyMicroseconds))}}
        """
    }

    var text: String {
        let what = write ? "write (sync \(sync))" : "read"
        return """
        \(mode) \(what), \(ByteSize.format(Int64(blockSize))) blocks, \(slots) slots, \(engine) engine\
        \(engineNote.map { " (\($0))" } ?? "")
          \(ops) ops, \(ByteSize.format(bytes)) in \(String(format: "%.2f", seconds)) s
          \(String(format: "%.1f", mibPerSecond)) MiB/s, \(String(format: "%.0f", iops)) IOPS
          latency µs: p50 \(String(format: "%.1f", latencyMicroseconds(50))), \
        p90 \(String(format: "%.1f", latencyMicroseconds(90))), \
        p99 \(String(format: "%.1f", latencyMicroseconds(99))), max \(String(format: "%.1f", maxLatencyMicroseconds))
        """
    }
}

enum IOBench {
    /// Runs the benchmark on an open descriptor of `size` bytes.
    static func run(fd: Int32, size: Int64, alignment: DirectIOAlignment, config: IOBenchConfig,
                    progress: (@Sendable (Int, Int64, Double) -> Void)?) async throws -> IOBenchReport {
        let (engine, note) = try IOEngines.make(config.engine, slots: config.slots)
        let blocks = size / Int64(config.blockSize)
        let cursor = Protected<Int64>(0)
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(config.seconds * 1e9)
        let done = Protected<(ops: Int, bytes: Int64)>((0, 0))

        let ticker: Task<Void, Never>? = progress.map { report in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 250_000_000)
                    let d = done.withLock { $0 }
                    report(d.ops, d.bytes, Double(monotonicNanoseconds() - start) / 1e9)
                }
            }
        }
        defer { ticker?.cancel() }

        // The workers run on the engine's preferred executor (AIO: the reaper
        // thread) when it has one, so that a completion resumes its worker
        // without a thread hop, as in fio's loop.
        // One buffer per worker, carved from huge pages (fio's buffers are
        // one big allocation too): the kernel then maps each for DMA in 2 MiB
        // pieces instead of 4 KiB ones.
        let buffers = try AlignedBuffer.hugePageSlices(count: config.slots, each: config.blockSize)
        let histograms = try await withTaskExecutorPreference(engine.preferredExecutor) {
          try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
            for w in 0..<config.slots {
                group.addTask {
                    var rng = SplitMix64(seed: config.seed &+ UInt64(w) &* 0x9E37_79B9)
                    var h = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
                    // Page-aligned even where the device accepts less: a 4 KiB buffer that
                    // straddles two pages costs the device a second segment.
                    let buf = buffers[w]
                    if config.write { buf.fill(UInt8(truncatingIfNeeded: w &+ 0x5A)) }
                    var ops = 0
                    var bytes: Int64 = 0
                    while true {
                        let t0 = monotonicNanoseconds()
                        if t0 >= deadline { break }
                        let block: Int64
                        switch config.pattern {
                        case .seq: block = cursor.withLock { c in defer { c = (c + 1) % blocks }; return c }
                        case .rand: block = Int64(rng.next() % UInt64(blocks))
                        }
                        let off = block * Int64(config.blockSize)
                        // The engine's requirements themselves (no convenience
                        // frame: each async frame costs an executor hop).
                        let n = config.write
                            ? try await engine.write(fd, at: off, from: buf, length: buf.count, sync: config.sync)
                            : try await engine.read(fd, at: off, into: buf, length: buf.count)
                        _ = h.record(monotonicNanoseconds() - t0)
                        ops += 1
                        bytes += Int64(n)
                        if ops & 63 == 0 {
                            let (o, b) = (ops, bytes)
                            done.withLock { $0.ops += o; $0.bytes += b }
                            ops = 0
                            bytes = 0
                        }
                    }
                    let (o, b) = (ops, bytes)
                    done.withLock { $0.ops += o; $0.bytes += b }
                    return h
                }
            }
            var all = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
            for try await h in group { all.add(h) }
            return all
          }
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        await engine.shutdown()
        let d = done.withLock { $0 }
        return IOBenchReport(mode: config.pattern.rawValue, engine: engine.kind, engineNote: note,
                             blockSize: config.blockSize, slots: config.slots, write: config.write,
                             sync: config.sync, ops: d.ops, bytes: d.bytes, seconds: seconds, latency: histograms)
    }
}

