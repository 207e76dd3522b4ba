import BlockDevice
import LinuxAIO

/// The engine side of a `ChunkReader`: `depth` workers that keep reads in
/// flight at the kernel whatever the consumer is doing, the way `blkview
/// bench --mode seq` does (a worker submits its next read the moment the
/// last one completes, on the engine's reaper thread when it has one, so a
/// completion costs no thread hop).
///
/// The consumer queues jobs (planned reads, each into its own buffer of the
/// reader's ring) in order and takes their outcomes in that order; the
/// workers take jobs first in, first out. A job's buffer is the consumer's
/// again once its outcome is taken.
final class ChunkPump: Sendable {
    struct Job: Sendable {
        let seq: UInt64
        let offset: Int64
        let length: Int
        let buffer: AlignedBuffer
    }

    /// What a read gave: its byte count, or its error.
    typealias Outcome = Result<Int, any Error>

    private struct State {
        var queued: [Job] = []
        var head = 0
        var done: [UInt64: Outcome] = [:]
        /// The consumer waiting for the outcome of `seq`.
        var consumer: (seq: UInt64, continuation: CheckedContinuation<Outcome, Never>)?
        var idle: [CheckedContinuation<Job?, Never>] = []
        var closed = false
        /// Reads a worker has started and not yet seen complete.
        var reading = 0
    }

    private let state = Protected(State())
    private let task: Protected<Task<Void, Never>?> = Protected(nil)

    /// Starts `depth` workers reading from `reader` as `readClass`, on
    /// `executor` when given.
    init(reader: MediaReader, readClass: ReadClass, depth: Int, executor: (any TaskExecutor)?) {
        let t = Task(executorPreference: executor) { [state] in
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, depth) {
                    group.addTask {
                        while let job = await Self.take(state) {
                            let outcome: Outcome
                            do {
                                let (at, length) = (job.offset, job.length)
                                outcome = .success(try await reader.read(at: at, into: job.buffer, length: length, as: readClass))
                            } catch {
                                outcome = .failure(error)
                            }
                            Self.complete(state, job.seq, outcome)
                        }
                    }
                }
            }
        }
        task.withLock { $0 = t }
    }

    /// Reads started and not yet complete (what the kernel holds for us).
    var reading: Int { state.withLock { $0.reading } }

    /// Queues `job` behind the others (or hands it to an idle worker).
    func submit(_ job: Job) {
        let worker = state.withLock { s -> CheckedContinuation<Job?, Never>? in
            guard !s.closed else { return nil }
            if !s.idle.isEmpty {
                s.reading += 1
                return s.idle.removeFirst()
            }
            s.queued.append(job)
            return nil
        }
        worker?.resume(returning: job)
    }

    /// The outcome of job `seq`, once its read is done; `CancellationError`
    /// when the calling task is cancelled first (the read goes on: `close`).
    func outcome(_ seq: UInt64) async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Outcome, Never>) in
                let ready = state.withLock { s -> Outcome? in
                    if let o = s.done.removeValue(forKey: seq) { return o }
                    if Task.isCancelled || s.closed { return .failure(CancellationError()) }
                    s.consumer = (seq, c)
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Outcome, Never>? in
                defer { s.consumer = nil }
                return s.consumer?.continuation
            }
            c?.resume(returning: .failure(CancellationError()))
        }
    }

    /// Drops the jobs not started, stops the workers, and returns once every
    /// read started has completed (the kernel is done with its buffer).
    func close() async {
        let (workers, consumer) = state.withLock { s -> ([CheckedContinuation<Job?, Never>], CheckedContinuation<Outcome, Never>?) in
            s.closed = true
            s.queued.removeAll()
            s.head = 0
            defer { s.idle.removeAll(); s.consumer = nil }
            return (s.idle, s.consumer?.continuation)
        }
        for w in workers { w.resume(returning: nil) }
        consumer?.resume(returning: .failure(CancellationError()))
        let t = task.withLock { $0 }
        t?.cancel()
        await t?.value
    }

    /// Stops the workers without waiting (the reader went away unfinished;
    /// the engine keeps each buffer until the kernel is done with it).
    func abandon() {
        let workers = state.withLock { s -> [CheckedContinuation<Job?, Never>] in
            s.closed = true
            s.queued.removeAll()
            s.head = 0
            defer { s.idle.removeAll() }
            return s.idle
        }
        for w in workers { w.resume(returning: nil) }
        task.withLock { $0 }?.cancel()
    }

    private static func take(_ state: Protected<State>) async -> Job? {
        await withCheckedContinuation { (c: CheckedContinuation<Job?, Never>) in
            let job = state.withLock { s -> Job?? in
                if s.head < s.queued.count {
                    let j = s.queued[s.head]
                    s.head += 1
                    if s.head >= 64, s.head * 2 >= s.queued.count {
                        s.queued.removeFirst(s.head)
                        s.head = 0
                    }
                    s.reading += 1
                    return .some(j)
                }
                if s.closed { return .some(nil) }
                s.idle.append(c)
                return nil
            }
            if let job { c.resume(returning: job) }
        }
    }

    private static func complete(_ state: Protected<State>, _ seq: UInt64, _ outcome: Outcome) {
        let c = state.withLock { s -> CheckedContinuation<Outcome, Never>? in
            s.reading -= 1
            if let w = s.consumer, w.seq == seq {
                s.consumer = nil
                return w.continuation
            }
            if !s.closed { s.done[seq] = outcome }
            return nil
        }
        c?.resume(returning: outcome)
    }
}
