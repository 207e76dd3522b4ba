import BlockDevice
import Foundation
import LinuxAIO
import Testing
import TestSupport

/// A source whose reads wait until the test lets them finish: the order in
/// which reads reach the source is what the read path decided. (A fake, for
/// the one thing a kernel will not give on demand: a read that takes exactly
/// as long as the test wants.)
final class GatedSource: BlockSource {
    let path = "gated.img"
    let kind = SourceKind.regularFile
    let geometry = Geometry(size: 1 << 30, logicalSectorSize: 512, physicalSectorSize: 512,
                            alignment: DirectIOAlignment(memory: 1, offset: 1))
    let engine: any IOEngine
    private let state = Protected<(arrived: [Int64], gates: [Int64: CheckedContinuation<Void, Never>], open: Set<Int64>)>(([], [:], []))

    init(slots: Int) { engine = ThreadPoolEngine(slots: slots) }

    /// Offsets in the order their reads reached the source.
    var arrived: [Int64] { state.withLock { $0.arrived } }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                s.arrived.append(offset)
                if s.open.remove(offset) != nil { return true }
                s.gates[offset] = c
                return false
            }
            if go { c.resume() }
        }
        buffer.fill(UInt8(truncatingIfNeeded: offset >> 12))
        return length
    }

    /// Lets the read at `offset` complete (now, or as soon as it arrives).
    func finish(_ offset: Int64) {
        let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let c = s.gates.removeValue(forKey: offset) { return c }
            s.open.insert(offset)
            return nil
        }
        c?.resume()
    }

    func close() async { await engine.shutdown() }
}

@Suite("Read path: priorities, cancellation, limits")
struct ReadPathSchedulingTests {
    @Test("a visible read overtakes every queued readahead and background read")
    func visibleFirst() async throws {
        let source = GatedSource(slots: 2)
        let reader = MediaReader(source, limits: ReadLimits(total: 2))
        var tasks: [Task<Int, any Error>] = []
        func start(_ offset: Int64, _ c: ReadClass) {
            tasks.append(Task { try await reader.read(at: offset, into: AlignedBuffer(count: 4096), length: 4096, as: c) })
        }
        // Two readahead reads fill both slots; 31 more readahead and 8
        // background reads queue behind them.
        start(0, .readahead)
        start(4096, .readahead)
        try await eventually("two reads at the source") { source.arrived.count == 2 }
        for i in 2..<33 { start(Int64(i) * 4096, .readahead) }
        for i in 0..<8 { start(Int64(100 + i) * 4096, .background) }
        try await eventually("39 queued") { reader.statistics().queued == 39 }
        start(999 * 4096, .visible)
        try await eventually("the visible read queued") { reader.statistics()[.visible].queued == 1 }
        source.finish(0)
        // The first freed slot goes to the visible read: after one read, not the queue.
        try await eventually("a third read at the source") { source.arrived.count == 3 }
        #expect(source.arrived[2] == 999 * 4096)
        // Then readahead in FIFO order, and background last.
        for off in source.arrived { source.finish(off) }
        for i in 2..<33 { source.finish(Int64(i) * 4096) }
        for i in 0..<8 { source.finish(Int64(100 + i) * 4096) }
        for t in tasks { _ = try await t.value }
        let order = source.arrived
        #expect(Array(order[3..<34]) == (2..<33).map { Int64($0) * 4096 })
        #expect(Set(order[34...]) == Set((0..<8).map { Int64(100 + $0) * 4096 }))
        let stats = reader.statistics()
        #expect(stats[.visible].completed == 1 && stats[.readahead].completed == 33 && stats[.background].completed == 8)
        #expect(stats.inFlight.isEmpty && stats.queued == 0)
        await reader.close()
    }

    @Test("a read cancelled while queued leaves the queue at once and never reaches the source")
    func cancelWhileQueued() async throws {
        let source = GatedSource(slots: 1)
        let reader = MediaReader(source, limits: ReadLimits(total: 1))
        let first = Task { try await reader.read(at: 0, into: AlignedBuffer(count: 512), length: 512, as: .visible) }
        try await eventually("first at the source") { source.arrived.count == 1 }
        let queued = (1...20).map { i in
            Task { try await reader.read(at: Int64(i) * 512, into: AlignedBuffer(count: 512), length: 512, as: .readahead) }
        }
        try await eventually("20 queued") { reader.statistics().queued == 20 }
        for t in queued { t.cancel() }
        for t in queued {
            await #expect(throws: CancellationError.self) { _ = try await t.value }
        }
        #expect(reader.statistics()[.readahead].cancelledWhileQueued == 20)
        source.finish(0)
        #expect(try await first.value == 512)
        #expect(source.arrived == [0])
        await reader.close()
    }

    @Test("background work takes at most its share while interactive, and every slot otherwise")
    func backgroundCap() async throws {
        let source = GatedSource(slots: 8)
        let reader = MediaReader(source, limits: ReadLimits(total: 8, backgroundWhileInteractive: 2))
        reader.setInteractive(true)
        let tasks = (0..<8).map { i in
            Task { try await reader.read(at: Int64(i) * 512, into: AlignedBuffer(count: 512), length: 512, as: .background) }
        }
        try await eventually("two background reads through") { source.arrived.count == 2 }
        try await Task.sleep(nanoseconds: 20_000_000)
        #expect(source.arrived.count == 2)
        #expect(reader.statistics()[.background].queued == 6)
        // A readahead read is not held back by the capped background queue.
        let ra = Task { try await reader.read(at: 1 << 20, into: AlignedBuffer(count: 512), length: 512, as: .readahead) }
        try await eventually("readahead through") { source.arrived.contains(1 << 20) }
        // The viewer closes: background may use every slot (8 = 1 readahead + 7).
        reader.setInteractive(false)
        try await eventually("every slot in use") { source.arrived.count == 8 }
        #expect(reader.statistics()[.background].inFlight == 7)
        for i in 0..<8 { source.finish(Int64(i) * 512) }
        source.finish(1 << 20)
        for t in tasks { _ = try await t.value }
        _ = try await ra.value
        await reader.close()
    }

    @Test("close fails the queued reads with shutDown")
    func closeFailsQueued() async throws {
        let source = GatedSource(slots: 1)
        let reader = MediaReader(source, limits: ReadLimits(total: 1))
        let first = Task { try await reader.read(at: 0, into: AlignedBuffer(count: 512), length: 512, as: .visible) }
        try await eventually("first at the source") { source.arrived.count == 1 }
        let queued = Task { try await reader.read(at: 512, into: AlignedBuffer(count: 512), length: 512, as: .visible) }
        try await eventually("one queued") { reader.statistics().queued == 1 }
        let closing = Task { await reader.close() }
        await #expect(throws: EngineError.shutDown) { _ = try await queued.value }
        source.finish(0)
        _ = try await first.value
        await closing.value
    }

    @Test("10,000 reads cancelled at random moments: no slot leaks, nothing left queued")
    func cancelStress() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let bytes = try scratch.writeRandom("stress.img", count: 4 << 20, seed: 7)
        let source = try BlockSources.open(path: scratch.file("stress.img"), options: BlockSourceOptions(engine: .auto, slots: 8))
        let reader = MediaReader(source)
        // Descriptors open on the image (other tests open and close theirs meanwhile).
        func fdsOnImage() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == scratch.file("stress.img") }.count
        }
        #expect(fdsOnImage() == 1)
        var rng = SplitMix64(seed: 42)
        for batch in 0..<100 {
            var tasks: [Task<Int, any Error>] = []
            for i in 0..<100 {
                let off = Int64(rng.next() % 1024) * 4096
                let c = ReadClass(rawValue: (batch + i) % 3)!
                tasks.append(Task {
                    let b = AlignedBuffer(count: 4096)
                    let n = try await reader.read(at: off, into: b, length: 4096, as: c)
                    #expect(b.copyBytes(count: n) == Array(bytes[Int(off)..<Int(off) + n]))
                    return n
                })
            }
            for (i, t) in tasks.enumerated() where (Int(rng.next() % 2) == 0 || i % 3 == 0) { t.cancel() }
            for t in tasks { _ = try? await t.value }
        }
        let stats = reader.statistics()
        #expect(stats.inFlight.isEmpty && stats.queued == 0)
        #expect(stats.completed + stats.failed + stats.classes.reduce(0) { $0 + $1.cancelledWhileQueued } == 10_000)
        await reader.close()
        #expect(fdsOnImage() == 0, "the source's descriptor is closed, nothing leaked")
    }
}
