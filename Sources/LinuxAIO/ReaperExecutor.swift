import Foundation

/// The AIO context's own thread as a task executor — the seed's executor.
///
/// Tasks that prefer it (`withTaskExecutorPreference(ctx.executor)`) run on
/// the reaper thread between completions, as fio's loop does: a completion
/// resumes its task on the very thread that reaped it, so a request's
/// round trip costs no thread wake-up. Tasks that do not prefer it resume on
/// their own executors as usual.
///
/// `@unchecked Sendable`: `state` (a lock) guards the job queue and `exited`;
/// `wake` is immutable.
final class ReaperExecutor: TaskExecutor, @unchecked Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var exited = false
        var owner: pthread_t?
    }

    private let state = Protected(State())
    private let wake: @Sendable () -> Void

    /// - Parameter wake: makes the reaper thread return from its wait.
    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let (exited, onOwner) = state.withLock { s -> (Bool, Bool) in
            if !s.exited { s.jobs.append(unowned) }
            return (s.exited, s.owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false)
        }
        if onOwner && !exited {
            return  // the reaper runs it before it waits again: no wake-up needed
        }
        if exited {
            // The context is gone; a task that still prefers it runs on a
            // thread of its own rather than never.
            let executor = asUnownedTaskExecutor()
            do {
                try NativeThread.start(name: "blkview-late-job") { unowned.runSynchronously(on: executor) }
            } catch {
                // No thread to be had: run it here rather than never.
                unowned.runSynchronously(on: executor)
            }
        } else {
            wake()
        }
    }

    /// Called once by the reaper thread before it runs anything.
    func adoptCurrentThread() {
        state.withLock { $0.owner = pthread_self() }
    }

    /// Runs the queued jobs (on the reaper thread); true if there were any.
    /// `batch` is the reaper's own array, swapped with the queue (so that a
    /// round allocates nothing once both have grown).
    @discardableResult
    func runQueued(_ batch: inout [UnownedJob]) -> Bool {
        batch.removeAll(keepingCapacity: true)
        state.withLock { s in swap(&s.jobs, &batch) }
        let executor = asUnownedTaskExecutor()
        for j in batch { j.runSynchronously(on: executor) }
        return !batch.isEmpty
    }

    var hasQueued: Bool { state.withLock { !$0.jobs.isEmpty } }

    /// The reaper wants to leave: true when it may (from now on later jobs
    /// run elsewhere); false, with nothing changed, while jobs are still
    /// queued, which the reaper runs before asking again.
    func markExited() -> Bool {
        state.withLock { s in
            if !s.jobs.isEmpty { return false }
            s.exited = true
            return true
        }
    }
}
