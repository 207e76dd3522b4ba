import Histogram
import LinuxAIO

/// The NBD engine's slots: at most `slots` commands in flight, FIFO waiters
/// for a free one, the in-flight table and latency histograms — the same
/// contract and figures as `AioContext`'s slot table.
///
/// A submitted command holds its slot (and its buffer, retained by the
/// record) until libnbd reports its completion, also when the task that
/// issued it was cancelled: libnbd writes into the buffer until then.
final class NBDRequestTable: Sendable {
    private struct Record {
        let operation: IOOperation
        let offset: Int64
        let length: Int
        let sync: SyncLevel
        let start: UInt64
        let buffer: AlignedBuffer?
        var continuation: CheckedContinuation<Int, any Error>?
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Int, any Error>
    }

    private struct State {
        var free: [Int]
        var waiters: [Waiter] = []
        var records: [Record?]
        var nextID: UInt64 = 0
        var histograms: [IOOperation: Histogram<UInt64>]
        var completed: [IOOperation: Int] = [:]
        var failed = 0
        var bytesRead: Int64 = 0
        var bytesWritten: Int64 = 0
        var closed = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []

        var inUse: Int { records.count - free.count }
    }

    let slots: Int
    private let state: Protected<State>

    init(slots: Int) {
        self.slots = max(1, slots)
        var h = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .two)
        h.autoResize = true
        var hs: [IOOperation: Histogram<UInt64>] = [:]
        for op in IOOperation.allCases { hs[op] = h }
        state = Protected(State(free: Array((0..<self.slots).reversed()),
                                records: Array(repeating: nil, count: self.slots), histograms: hs))
    }

    /// Waits (FIFO, cancellable) for a free slot.
    /// - Throws: `CancellationError` while waiting, `EngineError.shutDown` after `close()`.
    func acquire() async throws -> Int {
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int, any Error>) in
                let r = state.withLock { s -> Result<Int, any Error>? in
                    if s.closed { return .failure(EngineError.shutDown) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if s.waiters.isEmpty, let slot = s.free.popLast() { return .success(slot) }
                    s.waiters.append(Waiter(id: id, continuation: cont))
                    return nil
                }
                if let r { cont.resume(with: r) }
            }
        } onCancel: {
            let w = state.withLock { s -> Waiter? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            }
            w?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Records the command about to be submitted in `slot`; `submit` then
    /// runs outside the table's lock and must lead to exactly one `finish`.
    func perform(slot: Int, _ operation: IOOperation, offset: Int64, length: Int, sync: SyncLevel,
                 buffer: AlignedBuffer?, submit: () -> Void) async throws -> Int {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int, any Error>) in
            state.withLock { s in
                s.records[slot] = Record(operation: operation, offset: offset, length: length, sync: sync,
                                         start: monotonicNanoseconds(), buffer: buffer, continuation: cont)
            }
            submit()
        }
    }

    /// Gives back a slot that was acquired but never submitted.
    func release(_ slot: Int) {
        let (w, d) = state.withLock { s in Self.releaseLocked(&s, slot) }
        w?.continuation.resume(returning: slot)
        for c in d { c.resume() }
    }

    /// The command in `slot` completed: `result` is the byte count or the error.
    func finish(slot: Int, result: Result<Int, IOError>) {
        let now = monotonicNanoseconds()
        let (cont, w, d) = state.withLock { s -> (CheckedContinuation<Int, any Error>?, Waiter?, [CheckedContinuation<Void, Never>]) in
            guard slot >= 0, slot < s.records.count, let rec = s.records[slot] else { return (nil, nil, []) }
            s.records[slot] = nil
            _ = s.histograms[rec.operation]?.record(max(1, (now &- rec.start) / 1000))
            switch result {
            case let .success(n):
                s.completed[rec.operation, default: 0] += 1
                if rec.operation == .read { s.bytesRead += Int64(n) }
                if rec.operation == .write { s.bytesWritten += Int64(n) }
            case .failure:
                s.failed += 1
            }
            let (w, d) = Self.releaseLocked(&s, slot)
            return (rec.continuation, w, d)
        }
        w?.continuation.resume(returning: slot)
        for c in d { c.resume() }
        switch result {
        case let .success(n): cont?.resume(returning: n)
        case let .failure(e): cont?.resume(throwing: e)
        }
    }

    /// The command in `slot` failed: `make` builds its error from the
    /// recorded operation, offset and length (the exact range).
    func fail(slot: Int, _ make: (IOOperation, Int64, Int) -> IOError) {
        let info = state.withLock { s -> (IOOperation, Int64, Int)? in
            guard slot >= 0, slot < s.records.count, let r = s.records[slot] else { return nil }
            return (r.operation, r.offset, r.length)
        }
        guard let (op, off, len) = info else { return }
        finish(slot: slot, result: .failure(make(op, off, len)))
    }

    private static func releaseLocked(_ s: inout State, _ slot: Int) -> (Waiter?, [CheckedContinuation<Void, Never>]) {
        if !s.closed, !s.waiters.isEmpty {
            return (s.waiters.removeFirst(), [])  // the slot passes to the oldest waiter
        }
        s.free.append(slot)
        if s.inUse == 0, !s.drainWaiters.isEmpty {
            defer { s.drainWaiters = [] }
            return (nil, s.drainWaiters)
        }
        return (nil, [])
    }

    /// Takes no new commands; waiters fail with `EngineError.shutDown`.
    func close() {
        let ws = state.withLock { s -> [Waiter] in
            s.closed = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in ws { w.continuation.resume(throwing: EngineError.shutDown) }
    }

    /// Returns when no command is in flight.
    func drain() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.inUse == 0 { return true }
                s.drainWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Fails every command still recorded (the connection died and libnbd
    /// will not call their completions).
    func failAll(_ error: (IOOperation, Int64, Int) -> IOError) {
        let pending = state.withLock { s in
            s.records.enumerated().compactMap { i, r in r.map { (i, $0.operation, $0.offset, $0.length) } }
        }
        for (slot, op, off, len) in pending { finish(slot: slot, result: .failure(error(op, off, len))) }
    }

    var inFlightCount: Int { state.withLock { $0.inUse } }

    func snapshot() -> IOStatistics {
        let now = monotonicNanoseconds()
        return state.withLock { s in
            let inFlight = s.records.enumerated().compactMap { slot, r in
                r.map { InFlightRequest.make(slot: slot, operation: $0.operation, offset: $0.offset, length: $0.length,
                                        sync: $0.sync, ageNanoseconds: now &- $0.start, abandoned: false) }
            }.sorted { $0.ageNanoseconds > $1.ageNanoseconds }
            return IOStatistics.make(engine: .threads, slots: slots, inFlight: inFlight, waiting: s.waiters.count,
                                latency: s.histograms, completed: s.completed, failed: s.failed,
                                bytesRead: s.bytesRead, bytesWritten: s.bytesWritten)
        }
    }
}
