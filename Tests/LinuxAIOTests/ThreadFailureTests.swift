import Foundation
import Glibc
import Testing
@testable import LinuxAIO

/// Threads that cannot start (pthread_create's EAGAIN under `ulimit -v` or
/// RLIMIT_NPROC): an error the caller sees, never a wait for ever.
@Suite("Threads that cannot start")
struct ThreadFailureTests {
    static func refuse(_ name: String, _: @escaping @Sendable () -> Void) throws(EngineError) {
        throw EngineError.threadFailed(.EAGAIN, name: name)
    }

    @Test("a pool with no thread takes no job, says why, and stops without waiting")
    func emptyPool() {
        let pool = WorkerPool(threads: 2, name: "t", startThread: Self.refuse)
        #expect(pool.startFailure == .threadFailed(.EAGAIN, name: "t-0"))
        #expect(!pool.enqueue {})
        let ran = Protected(false)
        pool.stop(wait: true) { ran.withLock { $0 = true } }  // returns: nothing to wait for
        #expect(ran.withLock { $0 }, "the last job runs on the caller when no thread ever started")
    }

    @Test("a pool whose second thread cannot start runs its jobs on the first")
    func partialPool() async {
        var started = 0
        let pool = WorkerPool(threads: 3, name: "p", startThread: { name, body throws(EngineError) in
            started += 1
            if started > 1 { throw EngineError.threadFailed(.EAGAIN, name: name) }
            try NativeThread.start(name: name, body)
        })
        #expect(pool.startFailure != nil)
        let done = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            if !pool.enqueue({ c.resume(returning: true) }) { c.resume(returning: false) }
        }
        #expect(done)
        pool.stop()
    }

    @Test("the threaded engine fails a read with the reason instead of hanging")
    func engineWithoutWorkers() async throws {
        let engine = ThreadPoolEngine(slots: 2, threads: 2, startThread: Self.refuse)
        let fd = open("/dev/zero", O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        let buffer = AlignedBuffer(count: 4096)
        await #expect(throws: IOError.self) { _ = try await engine.read(fd, at: 0, into: buffer, length: 4096) }
        do {
            _ = try await engine.read(fd, at: 0, into: buffer, length: 4096)
        } catch let e as IOError {
            #expect(e.errno == .EAGAIN)
            #expect(e.description.contains("cannot start thread blkview-io-0"))
        }
        await engine.shutdown()
    }

    @Test("NativeThread runs its body; an allocation too large for memory is an error, not a trap")
    func nativeThreadAndAllocation() async throws {
        let ran = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            do { try NativeThread.start(name: "probe") { c.resume(returning: true) } } catch { c.resume(returning: false) }
        }
        #expect(ran)
        #expect(throws: EngineError.self) { _ = try AlignedBuffer(checked: Int.max / 4) }
    }
}
