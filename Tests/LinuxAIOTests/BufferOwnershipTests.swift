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
