import CLinuxAIO
import Foundation
import Glibc
import Testing
@testable import LinuxAIO
import TestSupport

/// The engine contract, run against both engines on real files.
@Suite("Engine behaviour (real kernel)")
struct EngineBehaviourTests {
    @Test("10,000 random aligned reads from 64 tasks through 4 slots match pread", arguments: runnableEngines)
    func randomReadsMatchPread(kind: EngineKind) async throws {
        let block = 4096
        let file = try TempFile(size: 8 << 20)
        let fd = try file.open()
        defer { close(fd) }
        let engine = try makeEngine(kind, slots: 4)
        let blocks = file.bytes.count / block
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for t in 0..<64 {
                group.addTask {
                    var rng = SplitMix64(seed: UInt64(t))
                    let buf = AlignedBuffer(count: block, alignment: 4096)
                    var bad = 0
                    for _ in 0..<(10_000 / 64 + (t < 10_000 % 64 ? 1 : 0)) {
                        let b = Int(rng.next() % UInt64(blocks))
                        let n = try await engine.read(fd, at: Int64(b * block), into: buf)
                        if n != block || buf.copyBytes() != Array(file.bytes[(b * block)..<((b + 1) * block)]) { bad += 1 }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        let stats = engine.statistics()
        #expect(stats.inFlight.isEmpty, "all slots free afterwards")
        #expect(stats.waiting == 0)
        #expect(stats.completed[.read] == 10_000)
        #expect(stats.latency[.read]?.totalCount == 10_000)
        await engine.shutdown()
    }

    @Test("a read across end of file returns the short count", arguments: runnableEngines)
    func shortReadAtEOF(kind: EngineKind) async throws {
        let file = try TempFile(size: 4096 * 3 + 1000)
        let fd = try file.open()
        defer { close(fd) }
        let engine = try makeEngine(kind, slots: 2)
        let buf = AlignedBuffer(count: 8192)
        let n = try await engine.read(fd, at: 8192, into: buf)
        #expect(n == 4096 + 1000)
        #expect(buf.copyBytes(count: n) == Array(file.bytes[8192...]))
        let past = try await engine.read(fd, at: 16384, into: buf)
        #expect(past == 0)
        await engine.shutdown()
    }

    @Test("a misaligned O_DIRECT read fails with EINVAL and an alignment hint")
    func misalignedRead() async throws {
        try #require(Capability.realAIO, "\(Capability.realAIOUnavailable ?? "")")
        let file = try TempFile(size: 65536)
        let fd = try file.open()
        defer { close(fd) }
        let engine = try AioContext(slots: 2)
        let buf = AlignedBuffer(count: 8192)
        await #expect {
            _ = try await engine.read(fd, at: 100, into: buf, length: 4096)
        } throws: { error in
            guard let e = error as? IOError else { return false }
            return e.errno == .EINVAL && e.operation == .read && e.offset == 100 && e.length == 4096
                && (e.hint ?? "").contains("aligned") && e.description.contains(file.path)
                && e.description.contains("at 0x64 (4096 B)") && !e.description.contains("Unknown error")
        }
        #expect(engine.statistics().inFlight.isEmpty)
        await engine.shutdown()
    }

    @Test("a bad file descriptor fails with EBADF", arguments: runnableEngines)
    func badDescriptor(kind: EngineKind) async throws {
        let engine = try makeEngine(kind, slots: 1)
        let buf = AlignedBuffer(count: 4096)
        await #expect {
            _ = try await engine.read(9999, at: 0, into: buf)
        } throws: { error in
            (error as? IOError)?.errno == .EBADF
        }
        #expect(engine.statistics().failed == 1)
        await engine.shutdown()
    }

    @Test("writes at every sync level, fsync and fdatasync reach the file", arguments: runnableEngines)
    func syncWrites(kind: EngineKind) async throws {
        let file = try TempFile(size: 65536)
        let fd = try file.open(O_RDWR)
        defer { close(fd) }
        let engine = try makeEngine(kind, slots: 4)
        var expected = file.bytes
        for (i, level) in SyncLevel.allCases.enumerated() {
            let buf = AlignedBuffer(count: 4096)
            buf.fill(UInt8(0xA0 + i))
            let off = (i + 1) * 8192
            let n = try await engine.write(fd, at: Int64(off), from: buf, sync: level)
            #expect(n == 4096)
            expected.replaceSubrange(off..<(off + 4096), with: repeatElement(UInt8(0xA0 + i), count: 4096))
        }
        try await engine.fsync(fd)
        try await engine.fdatasync(fd)
        #expect(try file.contents() == expected)
        let stats = engine.statistics()
        #expect(stats.completed[.write] == 3)
        #expect(stats.completed[.fsync] == 1)
        #expect(stats.completed[.fdatasync] == 1)
        #expect(stats.bytesWritten == 3 * 4096)
        await engine.shutdown()
    }

    @Test("writing through a read-only descriptor fails with EBADF", arguments: runnableEngines)
    func writeToReadOnly(kind: EngineKind) async throws {
        let file = try TempFile(size: 8192)
        let fd = try file.open(O_RDONLY)
        defer { close(fd) }
        let engine = try makeEngine(kind, slots: 1)
        await #expect {
            _ = try await engine.write(fd, at: 0, from: AlignedBuffer(count: 4096), sync: .data)
        } throws: { error in
            guard let e = error as? IOError else { return false }
            return e.errno == .EBADF && e.operation == .write
        }
        #expect(try file.contents() == file.bytes)
        await engine.shutdown()
    }

    @Test("a length larger than the buffer is refused before any I/O", arguments: runnableEngines)
    func lengthPastBuffer(kind: EngineKind) async throws {
        let engine = try makeEngine(kind, slots: 1)
        await #expect(throws: EngineError.bufferTooSmall(length: 8192, buffer: 4096)) {
            _ = try await engine.read(0, at: 0, into: AlignedBuffer(count: 4096), length: 8192)
        }
        await engine.shutdown()
    }

    @Test("after shutdown new requests are refused", arguments: runnableEngines)
    func shutdownRefuses(kind: EngineKind) async throws {
        let file = try TempFile(size: 8192)
        let fd = try file.open()
        defer { close(fd) }
        let engine = try makeEngine(kind, slots: 1)
        _ = try await engine.read(fd, at: 0, into: AlignedBuffer(count: 4096))
        await engine.shutdown()
        await #expect(throws: EngineError.shutDown) {
            _ = try await engine.read(fd, at: 0, into: AlignedBuffer(count: 4096))
        }
    }

    @Test("the threaded engine serves tmpfs, where O_DIRECT gives no asynchrony")
    func threadsOnTmpfs() async throws {
        let file = try TempFile(size: 65536, directory: "/dev/shm")
        let fd = try file.open(direct: false)
        defer { close(fd) }
        let engine = ThreadPoolEngine(slots: 4)
        let buf = AlignedBuffer(count: 65536)
        #expect(try await engine.read(fd, at: 0, into: buf) == 65536)
        #expect(buf.copyBytes() == file.bytes)
        await engine.shutdown()
    }
}

@Suite("The reaper thread as a task executor")
struct ReaperExecutorTests {
    @Test("tasks that prefer the context's executor run on the reaper thread and read correctly")
    func runsOnReaper() async throws {
        try #require(Capability.realAIO, "\(Capability.realAIOUnavailable ?? "")")
        let file = try TempFile(size: 1 << 20)
        let fd = try file.open()
        defer { close(fd) }
        let ctx = try AioContext(slots: 8)
        let executor = try #require(ctx.preferredExecutor)
        let (names, bad) = try await withTaskExecutorPreference(executor) {
            try await withThrowingTaskGroup(of: (UInt, Int).self) { group in
                for t in 0..<16 {
                    group.addTask {
                        let buf = AlignedBuffer(count: 4096)
                        var bad = 0
                        for i in 0..<50 {
                            let block = (t * 50 + i) % 256
                            _ = try await ctx.read(fd, at: Int64(block * 4096), into: buf)
                            if buf.copyBytes() != Array(file.bytes[(block * 4096)..<((block + 1) * 4096)]) { bad += 1 }
                        }
                        return (currentThread(), bad)
                    }
                }
                var names = Set<UInt>()
                var bad = 0
                for try await (n, b) in group { names.insert(n); bad += b }
                return (names, bad)
            }
        }
        #expect(bad == 0)
        // Sixteen tasks doing I/O would spread over the cooperative pool's
        // threads; on the reaper's executor they all run on its one thread.
        #expect(names.count == 1)
        #expect(!names.contains(currentThread()))
        #expect(ctx.statistics().inFlight.isEmpty)
        await ctx.shutdown()
    }

    @Test("a task that prefers the executor of a context that is gone still runs")
    func outlivesContext() async throws {
        try #require(Capability.realAIO, "\(Capability.realAIOUnavailable ?? "")")
        var ctx: AioContext? = try AioContext(slots: 1)
        let executor = try #require(ctx?.preferredExecutor)
        await ctx?.shutdown()
        ctx = nil
        try await Task.sleep(nanoseconds: 10_000_000)
        let v = await withTaskExecutorPreference(executor) {
            await Task { 42 }.value
        }
        #expect(v == 42)
    }
}

/// The thread running the caller (synchronous, so async code may ask).
func currentThread() -> UInt { UInt(pthread_self()) }
