/// The engine contract: block I/O with a bounded number of submission slots.
///
/// Both engines — `AioContext` (Linux native AIO) and `ThreadPoolEngine`
/// (pread/pwrite on threads) — implement it with the same behaviour: requests
/// wait in FIFO order for a free slot, a short read at end of file is a count,
/// failures are `IOError`s, and a cancelled request keeps its slot and buffer
/// until the kernel (or the worker) is done with them.
///
/// The requests are `nonisolated(nonsending)`: they run on the caller's
/// executor up to their suspension, with no hop on the way in (an engine
/// may also be a plain `async` witness). A hop of a task with an executor
/// preference takes the task's status-record lock: request loops on the AIO
/// reaper (`preferredExecutor`) paid several per request.
public protocol IOEngine: AnyObject, Sendable, CustomStringConvertible {
    var kind: EngineKind { get }
    /// The number of submission slots (requests in flight at most).
    var slots: Int { get }

    /// Reads `length` bytes at `offset` into the start of `buffer`; returns the
    /// bytes read (fewer at end of file, 0 past it).
    nonisolated(nonsending) func read(_ fd: Int32, at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int
    /// Writes the first `length` bytes of `buffer` at `offset` with `sync`.
    nonisolated(nonsending) func write(_ fd: Int32, at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int
    nonisolated(nonsending) func fsync(_ fd: Int32) async throws
    nonisolated(nonsending) func fdatasync(_ fd: Int32) async throws

    /// In-flight requests and latency histograms, as of now.
    func statistics() -> IOStatistics
    /// An executor on which request loops run best (AIO: the reaper thread),
    /// or nil. Optional: any executor works.
    var preferredExecutor: (any TaskExecutor)? { get }
    /// Takes no new requests, waits for those in flight, releases the kernel context.
    func shutdown() async
}

extension IOEngine {
    public var preferredExecutor: (any TaskExecutor)? { nil }

    /// Reads `buffer.count` bytes at `offset`.
    nonisolated(nonsending) public func read(_ fd: Int32, at offset: Int64, into buffer: AlignedBuffer) async throws -> Int {
        try await read(fd, at: offset, into: buffer, length: buffer.count)
    }

    /// Writes the whole buffer at `offset`.
    nonisolated(nonsending) public func write(_ fd: Int32, at offset: Int64, from buffer: AlignedBuffer, sync: SyncLevel = .none) async throws -> Int {
        try await write(fd, at: offset, from: buffer, length: buffer.count, sync: sync)
    }
}

/// What the user asked for with `--engine`.
public enum EngineChoice: String, Sendable, CaseIterable {
    /// Native AIO when `io_setup` will succeed (`AioContext.refusal`), else threads.
    case auto
    case aio
    case threads
}

public enum IOEngines {
    /// Makes an engine. With `.auto`, an `io_setup` that would be refused
    /// (ENOSYS, a seccomp errno, EAGAIN when fs.aio-max-nr is used up; asked
    /// without setting a context up) falls back to threads and says why in
    /// `note`.
    public static func make(_ choice: EngineChoice, slots: Int) throws -> (engine: any IOEngine, note: String?) {
        switch choice {
        case .aio:
            return (try AioContext(slots: slots), nil)
        case .threads:
            return (ThreadPoolEngine(slots: slots), nil)
        case .auto:
            do {
                return (try AioContext(slots: slots), nil)
            } catch let e as EngineError where !e.isResourceFailure {
                // Out of threads or memory: threads would not start either.
                return (ThreadPoolEngine(slots: slots), "\(e); using the threaded engine")
            }
        }
    }
}
