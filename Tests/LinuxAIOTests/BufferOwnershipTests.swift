import Glibc
import LinuxAIO
import Testing

/// A buffer belongs to its request from submission to completion: touching
/// it meanwhile, or lending it to a second request, stops the program
/// instead of racing the kernel (exit tests run the body in a child process).
@Suite struct BufferOwnershipTests {
    @Test("reading the bytes of a lent buffer stops the program")
    func touchWhileLent() async {
        await #expect(processExitsWith: .failure) {
            let b = AlignedBuffer(count: 4096)
            b.lend()
            _ = b.copyBytes(count: 1)
        }
    }

    @Test("lending a buffer to a second request stops the program")
    func lendTwice() async {
        await #expect(processExitsWith: .failure) {
            let b = AlignedBuffer(count: 4096)
            b.lend()
            b.lend()
        }
    }

    @Test("an engine lends the buffer for the request and gives it back at completion", arguments: runnableEngines)
    func engineLendsAndGivesBack(_ kind: EngineKind) async throws {
        let file = try TempFile(size: 1 << 20)
        let fd = try file.open()
        defer { close(fd) }
        let engine = try makeEngine(kind, slots: 2)
        let b = AlignedBuffer(count: 65536)
        let t = Task { try await engine.read(fd, at: 0, into: b, length: 65536) }
        let n = try await t.value
        #expect(n == 65536)
        #expect(!b.isLent)
        #expect(b.copyBytes(count: 16) == Array(file.bytes[0..<16]))
        await engine.shutdown()
    }
}

@Suite struct HugePageBufferTests {
    @Test("huge-page slices: 2 MiB-aligned, disjoint, and real O_DIRECT reads land in each", arguments: runnableEngines)
    func slicesServeReads(_ kind: EngineKind) async throws {
        let file = try TempFile(size: 4 << 20)
        let fd = try file.open()
        defer { close(fd) }
        let buffers = try AlignedBuffer.hugePageSlices(count: 3, each: 1 << 20)
        #expect(Int(bitPattern: buffers[0].baseAddress) % (2 << 20) == 0)
        #expect(buffers[1].baseAddress - buffers[0].baseAddress == 1 << 20)
        let engine = try makeEngine(kind, slots: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, b) in buffers.enumerated() {
                group.addTask {
                    let n = try await engine.read(fd, at: Int64(i) << 20, into: b, length: 1 << 20)
                    #expect(n == 1 << 20)
                }
            }
            try await group.waitForAll()
        }
        for (i, b) in buffers.enumerated() {
            #expect(b.copyBytes() == Array(file.bytes[(i << 20)..<((i + 1) << 20)]))
        }
        await engine.shutdown()
    }
}
