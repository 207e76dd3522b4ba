import Histogram
import Synchronization

/// The submission slots every engine shares — AioContext, ThreadPoolEngine
/// and the NBD engine (BlockDevice, hence `package`): which are free, who
/// waits for one (FIFO), what is in flight, and the latency statistics.
///
/// One request holds one slot from submission until its completion arrives —
/// also when the task that issued it was cancelled, because the kernel still
/// owns the buffer (the record retains it).
package final class SlotTable: Sendable {
    struct Record: Sendable {
        let id: UInt64
        let operation: IOOperation
        let offset: Int64
        let length: Int
        let sync: SyncLevel
        let start: UInt64
        let buffer: AlignedBuffer?
        var continuation: UnsafeContinuation<Int, any Error>?
    }

    struct Waiter: Sendable {
        let id: UInt64
        let continuation: UnsafeContinuation<Int, any Error>
    }

    struct State: Sendable {
        var free: [Int]
        var waiters = FIFO<Waiter>()
        var records: [Record?]
        var histograms: [Histogram<UInt64>]
        var completed = [Int](repeating: 0, count: IOOperation.allCases.count)
        var failed = 0
        var bytesRead: Int64 = 0
        var bytesWritten: Int64 = 0
        var closed = false
        var drainWaiters: [UnsafeContinuation<Void, Never>] = []

        var inUse: Int { records.count - free.count }
    }

    package let slots: Int
    let engine: EngineKind
    let state: Protected<State>
    /// Request ids (they name a request for its cancellation handler).
    private let ids = Atomic<UInt64>(0)

    package init(slots: Int, engine: EngineKind) {
        precondition(slots > 0, "an engine needs at least one slot")
        self.slots = slots
        self.engine = engine
        var h = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .two)
        h.autoResize = true
        state = Protected(State(
            free: Array((0..<slots).reversed()),
            records: Array(repeating: nil, count: slots),
            histograms: Array(repeating: h, count: IOOperation.allCases.count)
        ))
    }

    /// Runs one request: waits (FIFO, cancellable) for a slot, records it and
    /// calls `prepare(slot)` under the table's lock, then `submit(slot)`, and
    /// suspends until `finish(slot:)` or cancellation. `submit` must
    /// eventually lead to exactly one `finish(slot:)`.
    ///
    /// `prepare` fills per-slot memory (the iocb) under the lock that
    /// `finish` takes: the previous holder's completion and this write are
    /// then ordered for ThreadSanitizer too, which cannot see the kernel.
    ///
    /// The common case — a free slot and nobody waiting — costs one lock and
    /// one suspension: the slot is taken, the record written and the iocb
    /// prepared in one critical section inside the request's continuation.
    /// Only when every slot is busy does the request wait for one first
    /// (`acquireSlot`), then start with it. On the caller's executor
    /// (`nonisolated(nonsending)`) and inlined: no executor hop on the way
    /// in (each hop of a task with an executor preference takes the task's
    /// status-record lock).
    @inline(__always)
    nonisolated(nonsending) package func perform(_ operation: IOOperation, offset: Int64, length: Int, sync: SyncLevel,
                                         buffer: AlignedBuffer?, prepare: (Int) -> Void = { _ in },
                                         submit: (Int) -> Void) async throws -> Int {
        let id = ids.wrappingAdd(1, ordering: .relaxed).newValue
        // A slot handed over by a waiter queue, once we had to wait for one.
        var held: Int?
        while true {
            let n = try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (cont: UnsafeContinuation<Int, any Error>) in
                    enum Start { case started(Int), cancelled, closed, busy }
                    let start = state.withLock { s -> Start in
                        // Checked under the lock that abandon() takes, so a
                        // cancellation either sees the record or stops us here.
                        if Task.isCancelled { return .cancelled }
                        let slot: Int
                        if let held { slot = held } else {
                            if s.closed { return .closed }
                            guard s.waiters.isEmpty, let free = s.free.popLast() else { return .busy }
                            slot = free
                        }
                        // The request owns the buffer until its completion (also if cancelled).
                        buffer?.lend()
                        s.records[slot] = Record(id: id, operation: operation, offset: offset, length: length,
                                                 sync: sync, start: monotonicNanoseconds(), buffer: buffer,
                                                 continuation: cont)
                        prepare(slot)
                        return .started(slot)
                    }
                    switch start {
                    case let .started(slot): submit(slot)
                    case .cancelled:
                        if let held { release(held) }
                        cont.resume(throwing: CancellationError())
                    case .closed: cont.resume(throwing: EngineError.shutDown)
                    case .busy: cont.resume(returning: -1)  // no byte count is negative
                    }
                }
            } onCancel: {
                abandon(id: id)
            }
            if n >= 0 { return n }
            held = try await acquireSlot(id: id)
        }
    }

    /// Completes the request in `slot` with a byte count or an error; hands the
    /// slot to the oldest waiter. Called by the reaper or a worker thread.
    package func finish(slot: Int, result: Result<Int, IOError>) {
        // The slot may come from outside (libnbd's callback data): checked.
        guard slot >= 0, slot < slots else { return }
        let now = monotonicNanoseconds()
        let (cont, handoff, drained) = state.withLock { s -> (UnsafeContinuation<Int, any Error>?, Waiter?, [UnsafeContinuation<Void, Never>]) in
            guard let rec = s.records[slot] else { return (nil, nil, []) }
            s.records[slot] = nil
            rec.buffer?.giveBack()
            let k = rec.operation.index
            let us = max(1, (now &- rec.start) / 1000)
            _ = s.histograms[k].record(us)
            switch result {
            case let .success(n):
                s.completed[k] += 1
                if rec.operation == .read { s.bytesRead += Int64(n) }
                if rec.operation == .write { s.bytesWritten += Int64(n) }
            case .failure:
                s.failed += 1
            }
            let (w, d) = s.releaseLocked(slot)
            return (rec.continuation, w, d)
        }
        handoff?.continuation.resume(returning: slot)
        for d in drained { d.resume() }
        switch result {
        case let .success(n): cont?.resume(returning: n)
        case let .failure(e): cont?.resume(throwing: e)
        }
    }

    package func snapshot() -> IOStatistics {
        let now = monotonicNanoseconds()
        return state.withLock { s in
            let inFlight = s.records.enumerated().compactMap { slot, r in
                r.map { InFlightRequest(slot: slot, operation: $0.operation, offset: $0.offset, length: $0.length,
                                        sync: $0.sync, ageNanoseconds: now &- $0.start,
                                        abandoned: $0.continuation == nil) }
            }.sorted { $0.ageNanoseconds > $1.ageNanoseconds }
            var lat: [IOOperation: Histogram<UInt64>] = [:]
            var done: [IOOperation: Int] = [:]
            for op in IOOperation.allCases {
                lat[op] = s.histograms[op.index]
                done[op] = s.completed[op.index]
            }
            return IOStatistics(engine: engine, slots: slots, inFlight: inFlight, waiting: s.waiters.count,
                                latency: lat, completed: done, failed: s.failed,
                                bytesRead: s.bytesRead, bytesWritten: s.bytesWritten)
        }
    }

    /// Refuses new requests and fails the waiters; in-flight ones complete.
    package func close() {
        let waiters = state.withLock { s -> [Waiter] in
            s.closed = true
            var all: [Waiter] = []
            while let w = s.waiters.popFirst() { all.append(w) }
            return all
        }
        for w in waiters { w.continuation.resume(throwing: EngineError.shutDown) }
    }

    /// Returns when no slot is in use.
    package func drain() async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.inUse == 0 { return true }
                s.drainWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    package var inUse: Int { state.withLock { $0.inUse } }

    /// Fails the request in `slot` with the error `make` builds from its
    /// recorded operation, offset and length (the exact range).
    package func fail(slot: Int, _ make: (IOOperation, Int64, Int) -> IOError) {
        let info = state.withLock { s -> (IOOperation, Int64, Int)? in
            guard slot >= 0, slot < s.records.count, let r = s.records[slot] else { return nil }
            return (r.operation, r.offset, r.length)
        }
        guard let (op, off, len) = info else { return }
        finish(slot: slot, result: .failure(make(op, off, len)))
    }

    /// Fails every request still recorded (their completions will never
    /// come: a lost connection).
    package func failAll(_ error: (IOOperation, Int64, Int) -> IOError) {
        let pending = state.withLock { s in
            s.records.enumerated().compactMap { i, r in r.map { (i, $0.operation, $0.offset, $0.length) } }
        }
        for (slot, op, off, len) in pending { finish(slot: slot, result: .failure(error(op, off, len))) }
    }

    // MARK: - Slots

    /// Waits (FIFO, cancellable) for a slot when none was free: the slow
    /// path of `perform`, taken only while every slot is in use.
    nonisolated(nonsending) private func acquireSlot(id: UInt64) async throws -> Int {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (cont: UnsafeContinuation<Int, any Error>) in
                enum Now { case slot(Int), error(any Error), wait }
                let now = state.withLock { s -> Now in
                    if s.closed { return .error(EngineError.shutDown) }
                    if Task.isCancelled { return .error(CancellationError()) }
                    if s.waiters.isEmpty, let slot = s.free.popLast() { return .slot(slot) }
                    s.waiters.append(Waiter(id: id, continuation: cont))
                    return .wait
                }
                switch now {
                case let .slot(slot): cont.resume(returning: slot)
                case let .error(e): cont.resume(throwing: e)
                case .wait: break
                }
            }
        } onCancel: {
            let w = state.withLock { s in s.waiters.remove { $0.id == id } }
            w?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release(_ slot: Int) {
        let (w, drained) = state.withLock { s in s.releaseLocked(slot) }
        w?.continuation.resume(returning: slot)
        for d in drained { d.resume() }
    }

    /// The task awaiting request `id` was cancelled: it resumes now with
    /// CancellationError; the record (slot and buffer) stays until completion.
    private func abandon(id: UInt64) {
        let cont = state.withLock { s -> UnsafeContinuation<Int, any Error>? in
            for i in s.records.indices where s.records[i]?.id == id {
                let c = s.records[i]?.continuation
                s.records[i]?.continuation = nil
                return c
            }
            return nil
        }
        cont?.resume(throwing: CancellationError())
    }
}

extension SlotTable.State {
    /// Frees `slot` or hands it to the oldest waiter; returns whom to resume.
    mutating func releaseLocked(_ slot: Int) -> (SlotTable.Waiter?, [UnsafeContinuation<Void, Never>]) {
        if let w = waiters.popFirst() { return (w, []) }
        free.append(slot)
        if inUse == 0, !drainWaiters.isEmpty {
            defer { drainWaiters = [] }
            return (nil, drainWaiters)
        }
        return (nil, [])
    }
}

extension IOOperation {
    var index: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .fsync: 2
        case .fdatasync: 3
        }
    }
}

/// A small FIFO queue (array with a moving head), for slot waiters.
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }

    mutating func append(_ e: Element) { items.append(e) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let e = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return e
    }

    mutating func remove(where match: (Element) -> Bool) -> Element? {
        guard let i = items[head...].firstIndex(where: match) else { return nil }
        return items.remove(at: i)
    }
}
extension FIFO: Sendable where Element: Sendable {}
