import BlockDevice
import Dispatch
import Foundation
import Inspector
import LinuxAIO
import TestSupport
import Testing

/// A source whose every read takes `delay` (nil: the reads after the first
/// `free` wait for `release()`) and
/// cannot be cut short (as a kernel read owns its buffer until it
/// completes); it counts the reads in progress, the most at once, and those
/// started and completed.
final class PacedSource: BlockSource, @unchecked Sendable {
    // @unchecked: the counters are guarded by `lock`; the rest is immutable.
    let path = "/paced/disk"
    let kind = SourceKind.regularFile
    let geometry: Geometry
    let engine: any IOEngine = ThreadPoolEngine(slots: 32)
    let bytes: [UInt8]
    let delay: Double?
    private let lock = NSLock()
    private var counts = (active: 0, most: 0, started: 0, completed: 0)
    private var held: [CheckedContinuation<Void, Never>] = []
    private var released = false

    let free: Int

    init(bytes: [UInt8], delay: Double?, free: Int = 0) {
        self.bytes = bytes
        self.delay = delay
        self.free = free
        geometry = Geometry(size: Int64(bytes.count), logicalSectorSize: 512, physicalSectorSize: 512,
                            alignment: DirectIOAlignment(memory: 512, offset: 512))
    }

    var active: Int { lock.withLock { counts.active } }
    var most: Int { lock.withLock { counts.most } }
    var started: Int { lock.withLock { counts.started } }
    var completed: Int { lock.withLock { counts.completed } }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        let number = lock.withLock { () -> Int in
            counts.active += 1
            counts.started += 1
            counts.most = max(counts.most, counts.active)
            return counts.started
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            if let delay {
                DispatchQueue.global().asyncAfter(deadline: .now() + delay) { c.resume() }
            } else {
                let wait = lock.withLock { () -> Bool in
                    if released || number <= free { return false }
                    held.append(c)
                    return true
                }
                if !wait { c.resume() }
            }
        }
        let n = Int(min(Int64(length), Int64(bytes.count) - offset))
        bytes.withUnsafeBytes { buffer.baseAddress.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: n) }
        lock.withLock {
            counts.active -= 1
            counts.completed += 1
        }
        return n
    }

    /// Lets every read held (and every later one) go on.
    func release() {
        let waiting = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            released = true
            defer { held.removeAll() }
            return held
        }
        for c in waiting { c.resume() }
    }

    func close() async { await engine.shutdown() }
}

@Suite("ChunkReader keeps the disk busy", .timeLimit(.minutes(1)))
struct ChunkReaderPipelineTests {
    static func image(_ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 11) } }

    @Test("while the caller holds a chunk, the reads behind it go on (up to depth + readAhead), never more than depth at once; every byte in order")
    func readsGoOnWhileTheCallerWorks() async throws {
        let data = Self.image(4 << 20)
        let src = PacedSource(bytes: data, delay: 0.02)
        let media = MediaReader(src)
        let reader = ChunkReader(reader: media, ranges: [0..<Int64(data.count)], chunk: 64 << 10, depth: 4)
        #expect(reader.readAhead == 4)
        var got: [UInt8] = []
        let first = try #require(try await reader.next())
        got += first.bytes
        // The caller works on its chunk for a long time: the workers fill the
        // ring behind it (8 buffers: the one held and 7 more, plus the one
        // refilled when it was taken). A reader whose reads wait for the
        // caller would stop at depth + 1 = 5.
        try await eventually("9 reads done while the caller holds its chunk") { src.completed == 9 }
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(src.started == 9, "the ring is full: nothing more until the caller takes a chunk")
        #expect(media.statistics()[.background].completed == src.completed)
        while let c = try await reader.next() { got += c.bytes }
        await reader.finish()
        #expect(got == data)
        #expect(src.most <= 4, "at most depth reads at once: \(src.most)")
        #expect(src.most == 4, "depth reads at once while the disk had work: \(src.most)")
        await src.close()
    }

    @Test("finish() mid-stream returns only when every started read has returned, and no read starts after it")
    func finishWaitsForTheReads() async throws {
        let data = Self.image(2 << 20)
        // The first read goes through; those behind it are held until release().
        let src = PacedSource(bytes: data, delay: nil, free: 1)
        let media = MediaReader(src)
        let reader = ChunkReader(reader: media, ranges: [0..<Int64(data.count)], chunk: 64 << 10, depth: 4)
        let first = try #require(try await reader.next())
        #expect(first.bytes.count == 64 << 10)
        try await eventually("depth reads in flight behind the chunk handed out") { src.active == 4 }
        // 200 ms into finish(), it must still be waiting; then the reads end.
        let finished = Protected(false)
        let releaser = Task { () -> Bool in
            try? await Task.sleep(nanoseconds: 200_000_000)
            let early = finished.withLock { $0 }
            src.release()
            return early
        }
        await reader.finish()
        finished.withLock { $0 = true }
        #expect(await releaser.value == false, "finish returned while reads still held their buffers")
        #expect(src.active == 0, "finish returned while a read still held its buffer")
        #expect(media.statistics().inFlight.isEmpty)
        let started = src.started
        try await Task.sleep(nanoseconds: 400_000_000)
        #expect(src.started == started, "a read started after finish()")
        #expect(try await reader.next() == nil)
        await src.close()
    }

    @Test("a caller cancelled while it waits for a read gets CancellationError without waiting for the read")
    func cancelWhileWaiting() async throws {
        let data = Self.image(1 << 20)
        let src = PacedSource(bytes: data, delay: nil)  // no read ends until release()
        let media = MediaReader(src)
        let task = Task { () -> (any Error)? in
            let reader = ChunkReader(reader: media, ranges: [0..<Int64(data.count)], chunk: 64 << 10, depth: 2)
            do {
                _ = try await reader.next()
                await reader.finish()
                return nil
            } catch {
                return error
            }
        }
        try await eventually("a read started") { src.started > 0 }
        task.cancel()
        let error = await task.value  // a caller that waited for the read would hang here
        #expect(error is CancellationError)
        #expect(src.completed == 0 && src.active > 0, "the reads are still held")
        src.release()
        try await eventually("the held reads ended") { src.active == 0 }
        await src.close()
    }

    @Test("a reader dropped without finish() stops its workers: no read starts after its ring is full")
    func droppedReaderStops() async throws {
        let data = Self.image(4 << 20)
        let src = PacedSource(bytes: data, delay: 0.02)
        let media = MediaReader(src)
        do {
            let reader = ChunkReader(reader: media, ranges: [0..<Int64(data.count)], chunk: 64 << 10, depth: 4)
            _ = try #require(try await reader.next())
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let started = src.started
        #expect(started <= 9)
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(src.started == started)
        try await eventually("the reads started have ended") { src.active == 0 }
        await src.close()
    }
}
