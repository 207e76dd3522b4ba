internal import CLinuxAIO
import Glibc

/// The fallback engine: the same contract as `AioContext` over pread and
/// pwritev2 on a small pool of threads.
///
/// Used where native AIO cannot help: `io_setup` fails (fs.aio-max-nr used up,
/// no AIO in the kernel), the file refuses O_DIRECT (tmpfs ignores it, some
/// FUSE file systems reject it) so that io_submit would block, or the source
/// is not a file descriptor's bytes (EWF decompression).
public final class ThreadPoolEngine: IOEngine {
    public var kind: EngineKind { .threads }
    public let slots: Int
    /// Worker threads; requests beyond them wait in the queue holding their slot.
    public let threads: Int
    private let table: SlotTable
    private let pool: WorkerPool

    /// A worker that cannot start is not waited for: requests then fail with
    /// the reason (`EngineError.threadFailed` in the error's hint).
    public convenience init(slots: Int = 32, threads: Int? = nil) {
        self.init(slots: slots, threads: threads, startThread: { n, b throws(EngineError) in try NativeThread.start(name: n, b) })
    }

    package init(slots: Int, threads: Int?, startThread: WorkerPool.ThreadStarter) {
        precondition(slots > 0, "ThreadPoolEngine needs at least one slot")
        self.slots = slots
        self.threads = max(1, min(threads ?? min(slots, 8), slots))
        table = SlotTable(slots: slots, engine: .threads)
        pool = WorkerPool(threads: self.threads, name: "blkview-io", startThread: startThread)
    }

    deinit {
        // Queued jobs hold the table and their buffers; the threads run them,
        // then exit.
        pool.stop(wait: false)
    }

    public func read(_ fd: Int32, at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        guard length <= buffer.count, length >= 0 else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        return try await run(.read, fd: fd, offset: offset, length: length, buffer: buffer, sync: .none) {
            cla_pread2(fd, buffer.baseAddress, UInt64(length), offset)
        }
    }

    public func write(_ fd: Int32, at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
        guard length <= buffer.count, length >= 0 else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        let flags = sync.rwFlags
        return try await run(.write, fd: fd, offset: offset, length: length, buffer: buffer, sync: sync) {
            cla_pwrite2(fd, buffer.baseAddress, UInt64(length), offset, flags)
        }
    }

    public func fsync(_ fd: Int32) async throws {
        _ = try await run(.fsync, fd: fd, offset: 0, length: 0, buffer: nil, sync: .full) {
            Glibc.fsync(fd) == 0 ? 0 : -Int64(errno)
        }
    }

    public func fdatasync(_ fd: Int32) async throws {
        _ = try await run(.fdatasync, fd: fd, offset: 0, length: 0, buffer: nil, sync: .data) {
            Glibc.fdatasync(fd) == 0 ? 0 : -Int64(errno)
        }
    }

    public func statistics() -> IOStatistics { table.snapshot() }

    public func shutdown() async {
        table.close()
        await table.drain()
    }

    public var description: String {
        let s = table.snapshot()
        return "ThreadPoolEngine(engine: threads, \(threads) threads, slots: \(s.slotsInUse)/\(slots) in use, \(s.waiting) waiting)"
    }

    /// `call` returns bytes or -errno, retrying EINTR itself or through here.
    private func run(_ op: IOOperation, fd: Int32, offset: Int64, length: Int, buffer: AlignedBuffer?,
                     sync: SyncLevel, _ call: @escaping @Sendable () -> Int64) async throws -> Int {
        let table = self.table
        return try await table.perform(op, offset: offset, length: length, sync: sync, buffer: buffer) { slot in
            let queued = pool.enqueue {
                switch Syscall.negated(call) {
                case let .success(n):
                    table.finish(slot: slot, result: .success(Int(n)))
                case let .failure(e):
                    table.finish(slot: slot, result: .failure(IOError.make(
                        operation: op, fd: fd, offset: offset, length: length,
                        buffer: buffer.map { UnsafeRawPointer($0.baseAddress) }, errno: e)))
                }
            }
            if !queued {
                // No worker could start (or the engine is stopping): fail the
                // request rather than leave it waiting for a thread that never runs.
                let failure = pool.startFailure
                let errno: Errno = if case let .threadFailed(e, _)? = failure { e } else { .ECANCELED }
                table.finish(slot: slot, result: .failure(IOError(
                    operation: op, fd: fd, offset: offset, length: length, errno: errno,
                    hint: failure.map { "\($0)" } ?? "the I/O engine has been shut down")))
            }
        }
    }
}
