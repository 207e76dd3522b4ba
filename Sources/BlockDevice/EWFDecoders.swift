import Foundation
import LinuxAIO

/// Parallel EWF decoding: up to `count` libewf handles on the same set, each
/// used by one worker thread at a time, so that as many chunks decompress at
/// once as there are cores (libewf serialises everything on one handle).
///
/// The read path lets at most `count` reads through at once, so a job always
/// finds an idle handle or room to open one; the extra handles are opened on
/// first need (a one-shot `info` never pays for them). If one cannot be
/// opened (the descriptor limit on a set of many segments), reads share the
/// handles there are.
///
/// `@unchecked Sendable`: `lock` guards `idle`, `opened`, `canOpenMore`,
/// `busy`, `closed` and `drainWaiters`; a handle is touched only by the job
/// that checked it out.
final class EWFDecoders: @unchecked Sendable {
    /// Decoders at most: one per core.
    let count: Int
    private let path: String
    /// What a failed read says instead of libewf's message (a missing segment).
    private let failureHint: String?
    private let workers: WorkerPool
    private let lock = ConditionLock()
    private var idle: [EWFHandle]
    private var opened: Int
    private var canOpenMore = true
    private var busy = 0
    private var closed = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    init(first: EWFHandle, path: String, count: Int, failureHint: String? = nil) {
        self.count = max(1, count)
        self.path = path
        self.failureHint = failureHint
        idle = [first]
        opened = 1
        workers = WorkerPool(threads: self.count, name: "blkview-ewf")
    }

    /// Decodes `count` bytes at `offset` into `buffer` on a worker thread.
    /// The job keeps `buffer` alive until libewf is done with it, also when
    /// the awaiting task was cancelled.
    func read(into buffer: AlignedBuffer, count: Int, at offset: Int64) async throws -> Int {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int, any Error>) in
            let accepted = lock.withLock { () -> Bool in
                if closed { return false }
                busy += 1
                return true
            }
            guard accepted else { return cont.resume(throwing: EngineError.shutDown) }
            buffer.lend()  // libewf owns it until the decode returns
            // Decoding is CPU: a background read's decode runs at idle
            // priority while a viewer is open, so the screen goes first.
            let idle = ReadContext.yieldsCPU
            let queued = workers.enqueue { [self] in
                NativeThread.setIdle(idle)
                let handle = checkOut()
                let result = handle.read(into: buffer.baseAddress, count: count, at: offset)
                buffer.giveBack()
                checkIn(handle)
                switch result {
                case let .success(n):
                    NativeThread.handingBack { cont.resume(returning: Int(n)) }
                case let .failure(f):
                    let e = IOError(operation: .read, fd: -1, path: path, offset: offset,
                                    length: count, errno: .EIO, hint: failureHint ?? f.message)
                    NativeThread.handingBack { cont.resume(throwing: e) }
                }
            }
            if !queued {
                buffer.giveBack()
                checkIn(nil)
                cont.resume(throwing: EngineError.shutDown)
            }
        }
    }

    /// Handles opened so far (at most `count`).
    var handlesOpen: Int { lock.withLock { opened } }

    /// An idle handle, a newly opened one, or (when no more can be opened)
    /// the next one given back. Runs on a worker thread.
    private func checkOut() -> EWFHandle {
        let reserved = lock.withLock { () -> Bool in
            if idle.isEmpty, canOpenMore, opened < count {
                opened += 1
                return true
            }
            return false
        }
        if reserved {
            if case let .success(h) = EWFHandle.open(path) { return h }
            lock.withLock {
                opened -= 1
                canOpenMore = false
            }
        }
        return lock.withLock {
            while idle.isEmpty { lock.wait() }
            return idle.removeLast()
        }
    }

    /// Gives a handle back (nil: a job that never ran) and wakes `close()`
    /// when the last job is done.
    private func checkIn(_ handle: EWFHandle?) {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            if let handle {
                idle.append(handle)
                lock.signal()
            }
            busy -= 1
            guard busy == 0, closed else { return [] }
            defer { drainWaiters.removeAll() }
            return drainWaiters
        }
        NativeThread.handingBack { for w in waiters { w.resume() } }
    }

    /// Takes no new reads, waits for those running, then closes every
    /// handle on a worker thread and stops the workers.
    func close() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                closed = true
                if busy == 0 { return true }
                drainWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
        let handles = lock.withLock { () -> [EWFHandle] in
            defer { idle.removeAll() }
            return idle
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            workers.stop(wait: false) {
                for h in handles { h.close() }
                NativeThread.handingBack { c.resume() }
            }
        }
    }

    deinit {
        // Not closed by the owner: no job holds `self`, so none runs; close
        // the handles on a worker thread and let the workers exit.
        if !closed {
            let handles = idle
            workers.stop(wait: false) { for h in handles { h.close() } }
        }
    }
}
