import Foundation
import Synchronization

/// The AIO context's own thread as a task executor — the seed's executor.
///
/// Tasks that prefer it (`withTaskExecutorPreference(ctx.executor)`) run on
/// the reaper thread between completions, as fio's loop does: a completion
/// resumes its task on the very thread that reaped it, so a request's
/// round trip costs no thread wake-up. Tasks that do not prefer it resume on
/// their own executors as usual.
///
/// `@unchecked Sendable`: `state` (a lock) guards the queue of jobs enqueued
/// from other threads and `exited`; `remote` counts that queue (an atomic, so
/// the reaper looks without the lock); `owner` is set once, atomically;
/// `local` is touched only on the owner thread (the reaper): jobs a
/// completion resumes there, or a task running there enqueues, go to it
/// without a lock — the reaper's own round trip takes no lock here at all.
/// `wake` is immutable.
final class ReaperExecutor: TaskExecutor, @unchecked Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var exited = false
    }

    private let state = Protected(State())
    private let remote = Atomic<Int>(0)
    /// The reaper thread's pthread_t bits, 0 until it adopts the executor.
    private let owner = Atomic<UInt>(0)
    /// Jobs enqueued on the owner thread; only the owner thread touches it.
    private var local: [UnownedJob] = []
    private let wake: @Sendable () -> Void

    /// - Parameter wake: makes the reaper thread return from its wait.
    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    @inline(__always)
    private var onOwner: Bool {
        let o = owner.load(ordering: .relaxed)
        return o != 0 && o == UInt(pthread_self())
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let queued = UnownedJob(job)
        // The reaper runs `local` before it waits again: no wake-up, no lock.
        // (The owner thread is the reaper until it exits, and after markExited
        // nothing runs on it that could enqueue.)
        if onOwner {
            local.append(queued)
            return
        }
        let exited = state.withLock { s -> Bool in
            if !s.exited {
                s.jobs.append(queued)
                remote.add(1, ordering: .releasing)
            }
            return s.exited
        }
        if exited {
            // The context is gone; a task that still prefers it runs on a
            // thread of its own rather than never.
            do {
                try NativeThread.start(name: "blkview-late-job") { [self] in run(queued) }
            } catch {
                // No thread to be had: run it here rather than never.
                run(queued)
            }
        } else {
            wake()
        }
    }

    /// Called once by the reaper thread before it runs anything.
    func adoptCurrentThread() {
        owner.store(UInt(pthread_self()), ordering: .releasing)
    }

    /// Runs the queued jobs (on the reaper thread); true if there were any.
    /// `batch` is the reaper's own array, swapped with the queues (so that a
    /// round allocates nothing once both have grown).
    @discardableResult
    func runQueued(_ batch: inout [UnownedJob]) -> Bool {
        batch.removeAll(keepingCapacity: true)
        if remote.load(ordering: .acquiring) > 0 {
            state.withLock { s in
                swap(&s.jobs, &batch)
                remote.store(0, ordering: .relaxed)
            }
        }
        // Jobs that arrived from other threads first, then the reaper's own
        // (a completion's task), in arrival order within each.
        batch.append(contentsOf: local)
        local.removeAll(keepingCapacity: true)
        for j in batch { run(j) }
        return !batch.isEmpty
    }

    @inline(__always)
    private func run(_ job: UnownedJob) {
        job.runSynchronously(on: asUnownedTaskExecutor())
    }

    /// Jobs wait (on the reaper thread only: it reads `local`).
    var hasQueued: Bool { !local.isEmpty || remote.load(ordering: .acquiring) > 0 }

    /// The reaper wants to leave: true when it may (from now on later jobs
    /// run elsewhere); false, with nothing changed, while jobs are still
    /// queued, which the reaper runs before asking again.
    func markExited() -> Bool {
        if !local.isEmpty { return false }
        let exited = state.withLock { s in
            if !s.jobs.isEmpty { return false }
            s.exited = true
            return true
        }
        // No owner any more: a later thread may get this one's pthread_t
        // (the value is reused) and must not queue to `local`.
        if exited { owner.store(0, ordering: .releasing) }
        return exited
    }
}

