@testable import BlockDevice
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// A jump on an E01 while the prefetcher's reads are queued, with the real
/// decoder (libewf inflating real chunks), not a fake: the visible page comes
/// out after the decodes already running, ahead of the queue. Asserts the
/// order of completions, never a time.
@Suite(.enabled(if: Capability.ewfacquire, "ewfacquire not installed (Debian ewf-tools)"))
struct EWFPriorityTests {
    @Test("a visible read behind 31 queued readahead reads on a real E01 completes before most of them")
    func visibleOvertakesQueuedReadahead() async throws {
        let s = try Scratch()
        defer { s.remove() }
        // 32 MiB of a 16-symbol alphabet: deflate halves it, so every chunk
        // is really inflated (random bytes would be stored uncompressed).
        var rng = SeededRandom(seed: 12)
        let words = (0..<(4 << 20)).map { _ in rng.next() & 0x0f0f_0f0f_0f0f_0f0f }
        let bytes = words.withUnsafeBytes { Array($0) }
        try Data(bytes).write(to: URL(fileURLWithPath: s.file("disk.raw")))
        let r = Subprocess.run(["ewfacquire", "-u", "-q", "-t", s.file("img"), "-c", "fast", "-S", "64MiB", s.file("disk.raw")])
        guard r.status == 0 else { throw TestFailure("ewfacquire: \(r.trimmed) \(r.stderr)") }
        let source = try BlockSources.open(path: s.file("img.E01"), options: BlockSourceOptions())
        #expect(source is EWFSource)
        // Two decodes at once whatever the core count: 29 reads queue.
        let reader = MediaReader(source, limits: ReadLimits(total: 2))
        let piece = 1 << 20  // 32 chunks of 32 KiB: one read is 32 decodes
        let order = Protected<[Int]>([])  // completion order; 31 is the visible read
        var queuedAtJump = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<31 {
                group.addTask {
                    let b = AlignedBuffer(count: piece, alignment: 4096)
                    let n = try await reader.read(at: Int64(i) * Int64(piece), into: b, length: piece, as: .readahead)
                    #expect(n == piece)
                    order.withLock { $0.append(i) }
                }
            }
            try await eventually("31 readahead reads at the read path") {
                let ra = reader.statistics()[.readahead]
                return ra.queued + ra.inFlight + ra.completed == 31
            }
            queuedAtJump = reader.statistics()[.readahead].queued
            let b = AlignedBuffer(count: piece, alignment: 4096)
            let n = try await reader.read(at: 31 << 20, into: b, length: piece, as: .visible)
            order.withLock { $0.append(31) }
            #expect(n == piece)
            #expect(b.copyBytes(count: piece) == Array(bytes[(31 << 20)...]), "the visible page's bytes")
            try await group.waitForAll()
        }
        let done = order.withLock { $0 }
        let position = try #require(done.firstIndex(of: 31))
        let after = done.count - 1 - position
        // The premise: most of the readahead was still queued at the jump.
        try #require(queuedAtJump >= 16, "only \(queuedAtJump) readahead reads were queued at the jump")
        // Ahead of the queue: every read queued at the jump but at most the
        // two decode slots and one read dispatched meanwhile complete after the visible one.
        #expect(after >= queuedAtJump - 3, "visible read completed \(position + 1)th of 32; \(queuedAtJump) were queued at the jump, \(after) completed after it")
        #expect(after > 15, "before most of the readahead")
        let stats = reader.statistics()
        #expect(stats[.visible].completed == 1 && stats[.readahead].completed == 31 && stats.failed == 0)
        await reader.close()
    }
}
