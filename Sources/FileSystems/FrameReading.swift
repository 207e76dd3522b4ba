import Glibc
import LinuxAIO

/// Reads one request's frames on a thread of its own and hands the result to
/// the waiting task. A cancelled task kills the worker (its pipe then ends).
enum FrameReading {
    private enum Step {
        case more
        case done(UInt64, String?)
        case failed(String)
    }

    static func request<R: Sendable>(_ w: WorkerProcess, idle: Int, during: String, initial: R, lowPriority: Bool,
                                     fold: @escaping @Sendable (inout R, Wire.Kind, UnsafeRawBufferPointer) throws -> Void,
                                     finish: (@Sendable (inout R, String?) throws -> Void)?) async throws -> (R, count: UInt64, note: String?) {
        try await read(w, idle: idle, during: during, initial: initial, firstFrameOnly: false, lowPriority: lowPriority, fold: fold, finish: finish)
    }

    /// The first frame only (the worker's description of the file system).
    static func run<R: Sendable>(_ w: WorkerProcess, idle: Int, during: String, initial: R, untilInfo: Bool,
                                 fold: @escaping @Sendable (inout R, Wire.Kind, UnsafeRawBufferPointer) throws -> Void) async throws -> R {
        do {
            return try await read(w, idle: idle, during: during, initial: initial, firstFrameOnly: true, lowPriority: false, fold: fold, finish: nil).0
        } catch {
            w.kill()
            _ = w.reap()
            throw error
        }
    }

    private static func read<R: Sendable>(_ w: WorkerProcess, idle: Int, during: String, initial: R, firstFrameOnly: Bool, lowPriority: Bool,
                                          fold: @escaping @Sendable (inout R, Wire.Kind, UnsafeRawBufferPointer) throws -> Void,
                                          finish: (@Sendable (inout R, String?) throws -> Void)?) async throws -> (R, count: UInt64, note: String?) {
        let cancelled = Protected(false)
        let idleMs = Int32(clamping: max(1, idle) * 1000)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (k: CheckedContinuation<(R, count: UInt64, note: String?), any Error>) in
                do {
                    try NativeThread.start(name: "blkview-fs-read") {
                        // Linux keeps a nice value per thread: `who` 0 is this thread only.
                        if lowPriority {
                            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                            IdleCPU.enterThisThread()
                        }
                        var input = FrameInput(fd: w.frames, idleMilliseconds: idleMs)
                        var acc = initial
                        do {
                            while true {
                                let step: Step = try input.next { ev throws -> Step in
                                    switch ev {
                                    case .idle:
                                        w.kill()
                                        _ = w.reap()
                                        throw FileSystemError.timedOut(seconds: idle, during: during)
                                    case .end:
                                        let how = w.reap()
                                        if cancelled.withLock({ $0 }) { throw CancellationError() }
                                        throw FileSystemError.workerDied(how, during: during)
                                    case let .frame(.done, p):
                                        var f = FieldReader(p)
                                        let n: UInt64 = try f.int()
                                        return .done(n, try f.string())
                                    case let .frame(.failure, p):
                                        var f = FieldReader(p)
                                        return .failed(try f.text())
                                    case let .frame(kind, p):
                                        try fold(&acc, kind, p)
                                        return firstFrameOnly ? .done(0, nil) : .more
                                    }
                                }
                                switch step {
                                case .more: continue
                                case let .done(n, note):
                                    try finish?(&acc, note)
                                    NativeThread.handingBack { k.resume(returning: (acc, n, note)) }
                                    return
                                case let .failed(m): NativeThread.handingBack { k.resume(throwing: FileSystemError.library(m)) }; return
                                }
                            }
                        } catch {
                            NativeThread.handingBack { k.resume(throwing: error) }
                        }
                    }
                } catch {
                    NativeThread.handingBack { k.resume(throwing: FileSystemError.spawn("no thread to read its answers: \(error)")) }
                }
            }
        } onCancel: {
            cancelled.withLock { $0 = true }
            w.kill()
        }
    }
}
