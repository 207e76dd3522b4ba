import CLinuxAIO
import Glibc
import Testing
@testable import LinuxAIO
import TestSupport

/// Faults and layouts the real kernel will not show on demand.
@Suite("AioContext against a fake kernel")
struct FakeKernelTests {
    @Test("sync levels reach iocb.aio_rw_flags, not aio_flags")
    func syncLevelsInRwFlags() async throws {
        let kernel = FakeKernel { $0.opcode == cla_IOCB_CMD_FSYNC || $0.opcode == cla_IOCB_CMD_FDSYNC ? 0 : Int64($0.nbytes) }
        let ctx = try AioContext(slots: 4, backend: kernel)
        let buf = AlignedBuffer(count: 4096)
        _ = try await ctx.write(7, at: 0, from: buf, sync: .none)
        _ = try await ctx.write(7, at: 4096, from: buf, sync: .data)
        _ = try await ctx.write(7, at: 8192, from: buf, sync: .full)
        _ = try await ctx.read(7, at: 0, into: buf)
        try await ctx.fsync(7)
        try await ctx.fdatasync(7)
        let s = kernel.submitted
        #expect(s.map(\.opcode) == [cla_IOCB_CMD_PWRITE, cla_IOCB_CMD_PWRITE, cla_IOCB_CMD_PWRITE,
                                    cla_IOCB_CMD_PREAD, cla_IOCB_CMD_FSYNC, cla_IOCB_CMD_FDSYNC])
        #expect(s.map(\.rwFlags) == [0, cla_RWF_DSYNC, cla_RWF_SYNC, 0, 0, 0])
        // aio_flags carries only IOCB_FLAG_RESFD: the seed's bug put RWF_DSYNC
        // (== IOCB_FLAG_IOPRIO) there.
        #expect(s.allSatisfy { $0.flags == cla_IOCB_FLAG_RESFD })
        #expect(s.map(\.offset) == [0, 4096, 8192, 0, 0, 0])
        #expect(s[4].nbytes == 0 && s[5].nbytes == 0, "fsync iocbs carry no length (the kernel says EINVAL otherwise)")
        await ctx.shutdown()
    }

    @Test("fsync and fdatasync fall back to the syscalls when the kernel answers EINVAL")
    func fsyncFallback() async throws {
        let kernel = FakeKernel { _ in -Int64(EINVAL) }
        let ctx = try AioContext(slots: 2, backend: kernel)
        let file = try TempFile(size: 4096)
        let fd = try file.open(O_RDWR, direct: false)
        defer { close(fd) }
        try await ctx.fsync(fd)
        try await ctx.fdatasync(fd)
        let stats = ctx.statistics()
        #expect(stats.completed[.fsync] == 1 && stats.completed[.fdatasync] == 1)
        #expect(stats.inFlight.isEmpty)
        // A fallback that itself fails reports the syscall's error.
        await #expect {
            try await ctx.fsync(9999)
        } throws: { ($0 as? IOError)?.errno == .EBADF && ($0 as? IOError)?.operation == .fsync }
        // EINVAL on a read is not "unsupported fsync": it is reported as is.
        await #expect {
            _ = try await ctx.read(fd, at: 0, into: AlignedBuffer(count: 4096))
        } throws: { ($0 as? IOError)?.errno == .EINVAL }
        await ctx.shutdown()
    }

    @Test("completions in any order reach the right requests")
    func outOfOrderCompletions() async throws {
        let kernel = FakeKernel()
        let ctx = try AioContext(slots: 4, backend: kernel)
        let results = try await withThrowingTaskGroup(of: (Int64, Int).self) { group in
            for i in 0..<4 {
                group.addTask {
                    let off = Int64(i) * 4096
                    return (off, try await ctx.read(3, at: off, into: AlignedBuffer(count: 4096)))
                }
            }
            try await eventually("4 submissions") { kernel.submitted.count == 4 }
            // Complete in reverse order, each with a distinct count (offset/4096 + 100).
            for sub in kernel.submitted.sorted(by: { $0.offset > $1.offset }) {
                kernel.complete(data: sub.data, res: sub.offset / 4096 + 100)
            }
            var r: [Int64: Int] = [:]
            for try await (off, n) in group { r[off] = n }
            return r
        }
        #expect(results == [0: 100, 4096: 101, 8192: 102, 12288: 103])
        #expect(ctx.statistics().inFlight.isEmpty)
        await ctx.shutdown()
    }

    @Test("a refused io_submit fails that request and returns its slot")
    func submitFailure() async throws {
        let kernel = FakeKernel { Int64($0.nbytes) }
        kernel.state.withLock { $0.submitReturns = [-EIO] }
        let ctx = try AioContext(slots: 1, backend: kernel)
        await #expect {
            _ = try await ctx.read(3, at: 512, into: AlignedBuffer(count: 4096))
        } throws: { error in
            guard let e = error as? IOError else { return false }
            return e.errno == .EIO && e.offset == 512 && e.length == 4096
        }
        #expect(ctx.statistics().inFlight.isEmpty, "the slot came back")
        // The one slot is usable again.
        #expect(try await ctx.read(3, at: 0, into: AlignedBuffer(count: 4096)) == 4096)
        await ctx.shutdown()
    }

    @Test("a cancelled request keeps its slot and buffer until the completion arrives")
    func cancellationKeepsSlotAndBuffer() async throws {
        let kernel = FakeKernel()
        let ctx = try AioContext(slots: 1, backend: kernel)
        let watch = Protected(WeakBuffer())
        let a = Task {
            let buf = AlignedBuffer(count: 4096)
            watch.withLock { $0.buffer = buf }
            return try await ctx.read(3, at: 0, into: buf)
        }
        var weakBuffer: AlignedBuffer? { watch.withLock { $0.buffer } }
        try await eventually("A submitted") { kernel.submitted.count == 1 }
        a.cancel()
        await #expect(throws: CancellationError.self) { _ = try await a.value }
        // A's task is gone, but the kernel still owns the buffer and the slot.
        #expect(weakBuffer != nil, "the engine retains the buffer the kernel writes into")
        let s1 = ctx.statistics()
        #expect(s1.inFlight.count == 1 && s1.inFlight[0].abandoned)
        // B must wait: the slot is not reused before A's completion.
        let b = Task { try await ctx.read(3, at: 4096, into: AlignedBuffer(count: 4096)) }
        try await eventually("B waiting") { ctx.statistics().waiting == 1 }
        #expect(kernel.submitted.count == 1)
        kernel.complete(data: kernel.submitted[0].data, res: 4096)
        try await eventually("B submitted") { kernel.submitted.count == 2 }
        #expect(kernel.submitted[1].offset == 4096 && kernel.submitted[1].data == kernel.submitted[0].data)
        try await eventually("A's buffer released") { weakBuffer == nil }
        kernel.complete(data: kernel.submitted[1].data, res: 4096)
        #expect(try await b.value == 4096)
        await ctx.shutdown()
    }

    @Test("a task cancelled while waiting for a slot leaves the queue")
    func cancelWhileWaiting() async throws {
        let kernel = FakeKernel()
        let ctx = try AioContext(slots: 1, backend: kernel)
        let a = Task { try await ctx.read(3, at: 0, into: AlignedBuffer(count: 4096)) }
        try await eventually("A submitted") { kernel.submitted.count == 1 }
        let b = Task { try await ctx.read(3, at: 4096, into: AlignedBuffer(count: 4096)) }
        try await eventually("B waiting") { ctx.statistics().waiting == 1 }
        b.cancel()
        await #expect(throws: CancellationError.self) { _ = try await b.value }
        #expect(ctx.statistics().waiting == 0)
        kernel.complete(data: kernel.submitted[0].data, res: 4096)
        #expect(try await a.value == 4096)
        #expect(kernel.submitted.count == 1, "B was never submitted")
        await ctx.shutdown()
    }

    @Test("waiters are served in FIFO order")
    func fifoWaiters() async throws {
        let kernel = FakeKernel()
        let ctx = try AioContext(slots: 1, backend: kernel)
        let first = Task { try await ctx.read(3, at: 0, into: AlignedBuffer(count: 512)) }
        try await eventually("first submitted") { kernel.submitted.count == 1 }
        var tasks: [Task<Int, any Error>] = []
        for i in 1...5 {
            tasks.append(Task { try await ctx.read(3, at: Int64(i) * 512, into: AlignedBuffer(count: 512)) })
            try await eventually("waiter \(i) queued") { ctx.statistics().waiting == i }
        }
        for i in 0...5 {
            try await eventually("request \(i) submitted") { kernel.submitted.count == i + 1 }
            kernel.complete(data: kernel.submitted[i].data, res: 512)
        }
        _ = try await first.value
        for t in tasks { _ = try await t.value }
        #expect(kernel.submitted.map(\.offset) == [0, 512, 1024, 1536, 2048, 2560])
        await ctx.shutdown()
    }

    @Test("dropping the context with an abandoned request destroys it only after the completion")
    func deinitDrains() async throws {
        let kernel = FakeKernel()
        var ctx: AioContext? = try AioContext(slots: 1, backend: kernel)
        let a = Task { [ctx] in try await ctx!.read(3, at: 0, into: AlignedBuffer(count: 4096)) }
        try await eventually("A submitted") { kernel.submitted.count == 1 }
        a.cancel()
        _ = try? await a.value
        ctx = nil
        try await Task.sleep(nanoseconds: 20_000_000)
        #expect(!kernel.destroyed, "io_destroy must wait for the request in flight")
        kernel.complete(data: kernel.submitted[0].data, res: 4096)
        try await eventually("context destroyed") { kernel.destroyed }
    }

    @Test("io_setup failure is a clear error")
    func setupFailure() async throws {
        struct NoAIO: AIOBackend {
            func setup(maxEvents: Int32, context: UnsafeMutablePointer<io_context_t?>) -> Int32 { -EAGAIN }
            func submit(_ c: io_context_t, _ i: UnsafeMutablePointer<UnsafeMutablePointer<iocb>?>, count: Int) -> Int32 { 0 }
            func getEvents(_ c: io_context_t, max: Int, into e: UnsafeMutablePointer<io_event>) -> Int32 { 0 }
            func destroy(_ c: io_context_t) {}
        }
        // io_setup happens at the first request: that request (and every later
        // one) fails with the kernel's reason.
        let ctx = try AioContext(slots: 8, backend: NoAIO())
        for _ in 0..<2 {
            await #expect(throws: EngineError.setupFailed(.EAGAIN, slots: 8)) {
                _ = try await ctx.read(3, at: 0, into: AlignedBuffer(count: 4096))
            }
        }
        #expect(EngineError.setupFailed(.EAGAIN, slots: 8).description.contains("fs.aio-max-nr"))
        await ctx.shutdown()
    }

    @Test("no io_setup (and no io_destroy) until the first request; then exactly one")
    func lazySetup() async throws {
        let kernel = FakeKernel { Int64($0.nbytes) }
        let idle = try AioContext(slots: 4, backend: kernel)
        _ = idle.statistics()
        await idle.shutdown()
        #expect(kernel.state.withLock { ($0.setups, $0.destroyed) } == (0, false))
        let ctx = try AioContext(slots: 4, backend: kernel)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<16 { group.addTask { try await ctx.read(3, at: Int64(i) * 4096, into: AlignedBuffer(count: 4096)) } }
            for try await n in group { #expect(n == 4096) }
        }
        await ctx.shutdown()
        for _ in 0..<200 where !kernel.state.withLock({ $0.destroyed }) { try await Task.sleep(nanoseconds: 5_000_000) }
        #expect(kernel.state.withLock { ($0.setups, $0.destroyed) } == (1, true))
    }

    @Test("io_setup refusals are predicted without a context: this kernel has AIO and room for one",
          .enabled(if: Capability.aioUnavailable == nil, "io_setup does not work here"))
    func availability() {
        #expect(AioContext.refusal(slots: 32) == nil)
        #expect(AioContext.refusal(slots: 1 << 40) == .setupFailed(.EAGAIN, slots: 1 << 40))
    }

    @Test("a request after shutdown sets nothing up (no context left for nobody to destroy)")
    func noSetupAfterShutdown() async throws {
        let kernel = FakeKernel { Int64($0.nbytes) }
        let ctx = try AioContext(slots: 2, backend: kernel)
        await ctx.shutdown()
        await #expect(throws: EngineError.shutDown) { _ = try await ctx.read(3, at: 0, into: AlignedBuffer(count: 4096)) }
        #expect(kernel.state.withLock { $0.setups } == 0)
    }
}

struct WeakBuffer {
    weak var buffer: AlignedBuffer?
}
