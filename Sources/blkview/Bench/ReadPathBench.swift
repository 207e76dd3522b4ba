import BlockDevice
import Foundation
import LinuxAIO

/// `bench --mode decode` and `--mode priority`: the read path over any source
/// (raw, split, EWF), where `seq`/`rand` measure the bare engine.
enum ReadPathBench {
    /// `decode`: the whole media read in order through the read path in the
    /// background class, `inFlight` reads at once, nothing done with the
    /// bytes. On an EWF set this is the decode-only throughput (what a hash
    /// pass could reach if hashing cost nothing).
    static func decode(_ reader: MediaReader, blockSize: Int, inFlight: Int) async throws -> String {
        let size = reader.geometry.size
        let blocks = Int((size + Int64(blockSize) - 1) / Int64(blockSize))
        let next = Protected(0)
        let started = monotonicNanoseconds()
        let bytes = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<max(1, min(inFlight, blocks)) {
                group.addTask {
                    let buffer = try AlignedBuffer(checked: blockSize, alignment: max(4096, reader.geometry.alignment.memory))
                    var total: Int64 = 0
                    while true {
                        let k = next.withLock { n -> Int in defer { n += 1 }; return n }
                        if k >= blocks { return total }
                        let offset = Int64(k) * Int64(blockSize)
                        total += Int64(try await reader.read(at: offset, into: buffer, length: blockSize, as: .background))
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        let stats = reader.statistics()
        return """
        {"mode":"decode","engine":"\(stats.engine)","block_size":\(blockSize),"in_flight":\(inFlight),\
        "bytes":\(bytes),"seconds":\(String(format: "%.3f", seconds)),\
        "mib_per_s":\(String(format: "%.1f", Double(bytes) / seconds / 1_048_576))}
        """
    }

    /// `priority`: a jump while the prefetcher's reads are queued. Each round
    /// reads one block alone in the visible class (the latency of one read:
    /// on EWF, one decode), then queues `queued` readahead reads of distinct
    /// blocks, waits until all of them reached the read path, issues one
    /// visible read of yet another block and times it. Reports both
    /// latencies and how many readahead reads completed after the visible
    /// one (the read path's order, not a timing).
    static func priority(_ reader: MediaReader, blockSize: Int, queued: Int, rounds: Int, seed: UInt64) async throws -> String {
        let blocks = reader.geometry.size / Int64(blockSize)
        guard blocks >= Int64(queued + 2) else {
            throw CLIError("\(reader.path) holds \(blocks) blocks of \(blockSize) bytes; --mode priority needs \(queued + 2)")
        }
        let align = max(4096, reader.geometry.alignment.memory)
        var rng = SplitMix64(seed: seed)
        var alone: [Double] = []
        var behind: [Double] = []
        var after: [Int] = []
        var queuedAtJump: [Int] = []
        let visibleBuffer = try AlignedBuffer(checked: blockSize, alignment: align)
        let buffers = try (0..<queued).map { _ in try AlignedBuffer(checked: blockSize, alignment: align) }
        for _ in 0..<rounds {
            // queued + 2 distinct blocks: a chunk decoded once is cached by
            // libewf, and would make a later read of it free.
            var picked = Set<Int64>()
            while picked.count < queued + 2 { picked.insert(Int64(rng.next() % UInt64(blocks))) }
            let offsets = picked.map { $0 * Int64(blockSize) }.shuffled(using: &rng)
            var t0 = monotonicNanoseconds()
            _ = try await reader.read(at: offsets[0], into: visibleBuffer, length: blockSize, as: .visible)
            alone.append(Double(monotonicNanoseconds() - t0) / 1000)

            let order = Protected<[Int]>([])  // completion order: -1 is the visible read
            let before = reader.statistics()[.readahead]
            let reached = before.completed + before.failed
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<queued {
                    group.addTask {
                        _ = try await reader.read(at: offsets[2 + i], into: buffers[i], length: blockSize, as: .readahead)
                        order.withLock { $0.append(i) }
                    }
                }
                // Every readahead read reached the read path (queued, running or done).
                while true {
                    let r = reader.statistics()[.readahead]
                    if r.queued + r.inFlight + r.completed + r.failed - reached >= queued { break }
                    await Task.yield()
                }
                queuedAtJump.append(reader.statistics()[.readahead].queued)
                t0 = monotonicNanoseconds()
                _ = try await reader.read(at: offsets[1], into: visibleBuffer, length: blockSize, as: .visible)
                behind.append(Double(monotonicNanoseconds() - t0) / 1000)
                order.withLock { $0.append(-1) }
                try await group.waitForAll()
            }
            let o = order.withLock { $0 }
            after.append(o.count - 1 - (o.firstIndex(of: -1) ?? o.count - 1))
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let stats = reader.statistics()
        return """
        {"mode":"priority","engine":"\(stats.engine)","block_size":\(blockSize),"readahead_queued":\(queued),\
        "rounds":\(rounds),"read_alone_us":{"p50":\(f(median(alone))),"max":\(f(alone.max() ?? 0))},\
        "visible_behind_queue_us":{"p50":\(f(median(behind))),"max":\(f(behind.max() ?? 0))},\
        "ratio_p50":\(String(format: "%.2f", median(behind) / max(median(alone), 0.001))),\
        "readahead_queued_at_jump_mean":\(f(Double(queuedAtJump.reduce(0, +)) / Double(rounds))),\
        "readahead_done_after_visible_mean":\(f(Double(after.reduce(0, +)) / Double(rounds)))}
        """
    }
}
