import LinuxAIO

/// A file system in evidence, served by a worker process (see `FileSystems`).
///
/// One request runs at a time (callers are queued by the session's lock);
/// each reads its answer on a thread of its own, so no task ever blocks on
/// the pipe. A worker that dies or stops answering is killed and reaped; the
/// request fails with one line and the next request starts a new worker.
public final class FileSystemSession: Sendable {
    public let spec: FileSystemSpec
    /// What libtsk found when the session opened.
    public let info: FSInfo
    private let state: Protected<WorkerProcess?>
    private let turn = AsyncTurn()

    private init(spec: FileSystemSpec, info: FSInfo, worker: WorkerProcess) {
        self.spec = spec
        self.info = info
        state = Protected(worker)
    }

    /// Starts a worker and opens the file system at `spec.offset`.
    /// - Throws: `FileSystemError` (`.library` "no file system libtsk knows: …" and the like).
    public static func open(_ spec: FileSystemSpec) async throws -> FileSystemSession {
        let (worker, info) = try await start(spec)
        return FileSystemSession(spec: spec, info: info, worker: worker)
    }

    private static func start(_ spec: FileSystemSpec) async throws -> (WorkerProcess, FSInfo) {
        let worker = try WorkerProcess.spawn(spec)
        let info: FSInfo = try await FrameReading.run(worker, idle: spec.limits.idleTimeout, during: "opening the file system",
                                                     initial: FSInfo?.none, untilInfo: true) { acc, kind, p in
            guard kind == .info else { throw FileSystemError.protocolError("expected the file system's description") }
            acc = try Decode.info(p)
        } ?? { throw FileSystemError.protocolError("no description") }()
        return (worker, info)
    }

    /// Ends the worker.
    public func close() async {
        await turn.run {
            if let w = state.withLock({ s in defer { s = nil }; return s }) { w.shutDown() }
        }
    }

    deinit {
        if let w = state.withLock({ $0 }) { w.kill(); _ = w.reap() }
    }

    /// Runs one request: the worker (restarted if it died), the line, the
    /// frames folded into `initial`, then `finish` with the `done` note — all
    /// on the request's reader thread (at nice 10 and `SCHED_IDLE` when `lowPriority`).
    func request<R: Sendable>(_ line: String, during: String, initial: R, lowPriority: Bool = false,
                              fold: @escaping @Sendable (inout R, Wire.Kind, UnsafeRawBufferPointer) throws -> Void,
                              finish: (@Sendable (inout R, String?) throws -> Void)? = nil) async throws -> (R, count: UInt64, note: String?) {
        try await turn.run {
            let worker: WorkerProcess
            if let w = state.withLock({ $0 }) { worker = w } else {
                let (w, _) = try await Self.start(spec)
                state.withLock { $0 = w }
                worker = w
            }
            do {
                try worker.send(line)
                return try await FrameReading.request(worker, idle: spec.limits.idleTimeout, during: during, initial: initial,
                                                      lowPriority: lowPriority, fold: fold, finish: finish)
            } catch let e as FileSystemError {
                if case .library = e {} else if case .limit = e {} else { drop(worker) }
                throw e
            } catch {
                drop(worker)  // cancelled: the worker was killed
                throw error
            }
        }
    }

    private func drop(_ w: WorkerProcess) {
        w.kill()
        _ = w.reap()
        state.withLock { s in if s === w { s = nil } }
    }
}

/// Runs async bodies one at a time, in arrival order.
final class AsyncTurn: Sendable {
    private let state = Protected<(busy: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    func run(_ body: () async -> Void) async {
        await acquire()
        await body()
        release()
    }

    private func acquire() async {
        await withCheckedContinuation { (k: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if !s.busy { s.busy = true; return true }
                s.waiters.append(k)
                return false
            }
            if go { k.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.busy = false; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
