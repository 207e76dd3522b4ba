internal import CLinuxAIO
import Foundation

/// Block I/O through Linux native AIO: the Swift port of tokio-linux-aio's
/// `AioContext`, with its defects fixed.
///
/// - `slots` pre-built iocbs; a request waits (async, FIFO) for a free one.
/// - Completions arrive through an eventfd (`IOCB_FLAG_RESFD`) read by one
///   reaper thread, which drains them with `io_getevents` (eventfd counts
///   coalesce) and resumes the waiting tasks; `aio_data` carries the slot.
/// - Requests that become ready together go to the kernel in one `io_submit`.
/// - Sync levels travel in `aio_rw_flags` (`RWF_DSYNC`, `RWF_SYNC`).
/// - `IOCB_CMD_FSYNC/FDSYNC` answered with EINVAL (older kernels, some file
///   systems) fall back to fsync(2)/fdatasync(2) on a dedicated thread.
///
/// Files should be open with `O_DIRECT`: buffered AIO blocks in `io_submit`.
public final class AioContext: IOEngine {
    public var kind: EngineKind { .aio }
    public let slots: Int
    private let core: Core

    /// Creates a context with `slots` submission slots (`io_setup(slots)`).
    /// Throws `EngineError.setupFailed` when the kernel refuses (EAGAIN once
    /// fs.aio-max-nr is used up, ENOSYS without AIO).
    public convenience init(slots: Int = 32) throws {
        try self.init(slots: slots, backend: KernelAIO())
    }

    init(slots: Int, backend: some AIOBackend) throws {
        precondition(slots > 0, "AioContext needs at least one slot")
        self.slots = slots
        core = try Core(slots: slots, backend: backend)
    }

    deinit {
        // Requests abandoned by cancelled tasks may still be in flight: the
        // reaper keeps the kernel context until they complete, then destroys it.
        core.close()
    }

    public func read(_ fd: Int32, at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        guard length <= buffer.count, length >= 0 else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        return try await core.perform(.read, fd: fd, offset: offset, length: length, buffer: buffer, sync: .none)
    }

    public func write(_ fd: Int32, at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
        guard length <= buffer.count, length >= 0 else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        return try await core.perform(.write, fd: fd, offset: offset, length: length, buffer: buffer, sync: sync)
    }

    public func fsync(_ fd: Int32) async throws {
        _ = try await core.perform(.fsync, fd: fd, offset: 0, length: 0, buffer: nil, sync: .full)
    }

    public func fdatasync(_ fd: Int32) async throws {
        _ = try await core.perform(.fdatasync, fd: fd, offset: 0, length: 0, buffer: nil, sync: .data)
    }

    public func statistics() -> IOStatistics { core.table.snapshot() }

    /// The reaper thread as a task executor: tasks that prefer it
    /// (`withTaskExecutorPreference`) are resumed on the thread that reaps
    /// their completions, without a thread wake-up — fio's single loop.
    public var preferredExecutor: (any TaskExecutor)? { core.executor }

    public func shutdown() async {
        core.table.close()
        await core.table.drain()
        core.close()
    }

    public var description: String {
        let s = core.table.snapshot()
        return "AioContext(engine: aio, slots: \(s.slotsInUse)/\(slots) in use, \(s.waiting) waiting)"
    }
}

extension AioContext {
    /// Everything the reaper thread needs, so that the public handle can go away
    /// while abandoned requests finish.
    ///
    /// `@unchecked Sendable`: `context`, `eventFD`, `backend` are immutable after
    /// init; `iocbs[slot]` is written only by the holder of that slot before it
    /// submits, then read by the kernel and by the reaper until the slot is freed;
    /// `submitQueue` and `closing` are behind their locks.
    final class Core: @unchecked Sendable {
        let table: SlotTable
        private let backend: any AIOBackend
        private let context: io_context_t
        private let eventFD: Int32
        private let iocbs: UnsafeMutablePointer<iocb>
        private let slots: Int
        private let submitQueue = Protected(SubmitQueue())
        private let closing = Protected(false)
        private let fallback = Protected<WorkerPool?>(nil)
        let executor: ReaperExecutor

        struct SubmitQueue {
            var pending: [Int] = []
            var submitting = false
        }

        init(slots: Int, backend: some AIOBackend) throws {
            self.slots = slots
            self.backend = backend
            table = SlotTable(slots: slots, engine: .aio)
            var ctx: io_context_t?
            let rc = backend.setup(maxEvents: Int32(slots), context: &ctx)
            guard rc == 0, let ctx else { throw EngineError.setupFailed(Errno(rc < 0 ? -rc : EINVAL), slots: slots) }
            context = ctx
            let efd = cla_eventfd()
            guard efd >= 0 else {
                backend.destroy(ctx)
                throw EngineError.setupFailed(Errno(-efd), slots: slots)
            }
            eventFD = efd
            executor = ReaperExecutor { Self.signal(efd) }
            iocbs = .allocate(capacity: slots)
            iocbs.initialize(repeating: iocb(), count: slots)
            let t = Thread { [self] in reap() }
            t.name = "blkview-aio-reaper"
            t.start()
        }

        func perform(_ op: IOOperation, fd: Int32, offset: Int64, length: Int, buffer: AlignedBuffer?,
                     sync: SyncLevel) async throws -> Int {
            // IOCB_CMD_FSYNC/FDSYNC must carry no buffer, offset or flags (EINVAL).
            try await table.perform(op, offset: offset, length: length, sync: sync, buffer: buffer, prepare: { slot in
                cla_iocb_prep(iocbs + slot, op.opcode, fd, buffer?.baseAddress, UInt64(length), offset,
                              op == .write ? sync.rwFlags : 0, eventFD, UInt64(slot))
            }, submit: { slot in
                enqueue(slot)
            })
        }

        /// Queues a prepared slot; the first caller to find nobody submitting
        /// becomes the submitter and flushes everything queued meanwhile in
        /// one io_submit per round.
        private func enqueue(_ slot: Int) {
            let mine = submitQueue.withLock { q -> Bool in
                q.pending.append(slot)
                if q.submitting { return false }
                q.submitting = true
                return true
            }
            guard mine else { return }
            var ptrs: [UnsafeMutablePointer<iocb>?] = []
            while true {
                let batch = submitQueue.withLock { q -> [Int] in
                    if q.pending.isEmpty { q.submitting = false; return [] }
                    defer { q.pending.removeAll(keepingCapacity: true) }
                    return q.pending
                }
                if batch.isEmpty { break }
                ptrs.removeAll(keepingCapacity: true)
                for s in batch { ptrs.append(iocbs + s) }
                submit(batch, &ptrs)
            }
            // Harvest what has completed meanwhile, here, as fio's loop does:
            // those tasks then resume on this (busy) thread's pool without
            // waiting for the reaper's wake-up — two thread hops saved per
            // request at high queue depth. The reaper still covers idle times.
            drainCompletions()
        }

        /// Completes every event the kernel has ready; returns how many.
        @discardableResult
        private func drainCompletions() -> Int {
            let batch = min(slots, 128)
            return withUnsafeTemporaryAllocation(of: io_event.self, capacity: batch) { buf in
                let events = buf.baseAddress!
                var total = 0
                while true {
                    let n = backend.getEvents(context, max: batch, into: events)
                    if n <= 0 { return total }
                    for i in 0..<Int(n) { complete(events + i) }
                    total += Int(n)
                }
            }
        }

        private func submit(_ batch: [Int], _ ptrs: inout [UnsafeMutablePointer<iocb>?]) {
            var done = 0
            while done < batch.count {
                let rc = ptrs.withUnsafeMutableBufferPointer { p in
                    backend.submit(context, p.baseAddress! + done, count: batch.count - done)
                }
                if rc > 0 { done += Int(rc); continue }
                if rc == -EINTR { continue }
                // The first remaining iocb was refused: fail it, return its slot,
                // and try the rest.
                let slot = batch[done]
                fail(slot: slot, errno: Errno(rc == 0 ? EAGAIN : -rc))
                done += 1
            }
        }

        private func fail(slot: Int, errno: Errno) {
            let cb = iocbs + slot
            let op = IOOperation(opcode: cla_iocb_opcode(cb))
            let e = IOError.make(operation: op, fd: cla_iocb_fd(cb), offset: cla_iocb_offset(cb),
                                 length: Int(cla_iocb_nbytes(cb)), buffer: cla_iocb_buf(cb), errno: errno)
            table.finish(slot: slot, result: .failure(e))
        }

        /// The reaper: sleeps on the eventfd, drains completions with
        /// io_getevents(min 0), resumes their tasks. Exits once closed and idle,
        /// then destroys the kernel context.
        private func reap() {
            executor.adoptCurrentThread()
            while true {
                // Tasks that prefer this thread run here between completions.
                executor.runQueued()
                if executor.hasQueued { continue }
                var count: UInt64 = 0
                let r = Glibc.read(eventFD, &count, 8)
                if r < 0 && errno == EINTR { continue }
                drainCompletions()
                if closing.withLock({ $0 }) && table.inUse == 0 && executor.markExited() { break }
            }
            fallback.withLock { $0 }?.stop()
            backend.destroy(context)
            Glibc.close(eventFD)
            iocbs.deallocate()
        }

        private func complete(_ ev: UnsafeMutablePointer<io_event>) {
            let slot = Int(cla_event_data(ev))
            guard slot >= 0 && slot < slots else { return }
            let res = cla_event_res(ev)
            if res >= 0 {
                table.finish(slot: slot, result: .success(Int(res)))
                return
            }
            let op = IOOperation(opcode: cla_iocb_opcode(iocbs + slot))
            if res == -Int64(EINVAL), op == .fsync || op == .fdatasync {
                syncOnThread(slot: slot, fd: cla_iocb_fd(iocbs + slot), op: op)
                return
            }
            fail(slot: slot, errno: Errno(Int32(truncatingIfNeeded: -res)))
        }

        /// The kernel does not do IOCB_CMD_FSYNC/FDSYNC on this file: run the
        /// syscall on a dedicated thread (never the cooperative pool); the slot
        /// stays held until it returns.
        private func syncOnThread(slot: Int, fd: Int32, op: IOOperation) {
            let pool = fallback.withLock { p -> WorkerPool in
                if let p { return p }
                let n = WorkerPool(threads: 1, name: "blkview-aio-fsync")
                p = n
                return n
            }
            pool.enqueue { [self] in
                let r = Syscall.retrying { op == .fsync ? Glibc.fsync(fd) : Glibc.fdatasync(fd) }
                switch r {
                case .success: table.finish(slot: slot, result: .success(0))
                case let .failure(e): fail(slot: slot, errno: e)
                }
                wake()  // the reaper may be waiting for this slot to close
            }
        }

        private func wake() { Self.signal(eventFD) }

        static func signal(_ fd: Int32) {
            var one: UInt64 = 1
            _ = Glibc.write(fd, &one, 8)
        }

        /// Marks the context closing and wakes the reaper, which exits once
        /// nothing is in flight. Does not block.
        func close() {
            let first = closing.setOnce()
            guard first else { return }
            table.close()
            wake()
        }
    }
}

extension IOOperation {
    var opcode: Int16 {
        switch self {
        case .read: cla_IOCB_CMD_PREAD
        case .write: cla_IOCB_CMD_PWRITE
        case .fsync: cla_IOCB_CMD_FSYNC
        case .fdatasync: cla_IOCB_CMD_FDSYNC
        }
    }

    init(opcode: Int16) {
        switch opcode {
        case cla_IOCB_CMD_PWRITE: self = .write
        case cla_IOCB_CMD_FSYNC: self = .fsync
        case cla_IOCB_CMD_FDSYNC: self = .fdatasync
        default: self = .read
        }
    }
}

extension SyncLevel {
    /// The RWF_* flag for `iocb.aio_rw_flags` / `pwritev2`.
    var rwFlags: UInt32 {
        switch self {
        case .none: 0
        case .data: cla_RWF_DSYNC
        case .full: cla_RWF_SYNC
        }
    }
}
