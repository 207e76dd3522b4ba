import LinuxAIO

/// The read path's admission: priority queues per class in front of a source
/// that can serve `limits.total` reads at once.
///
/// A read asks for a ticket, waits in its class's FIFO queue until the
/// scheduler lets it through, reads, and gives the ticket back. A new read
/// never overtakes a queued read of its own or a higher class; a freed slot
/// goes to the highest class that may run (background is capped while
/// interactive). A task cancelled while queued leaves the queue at once with
/// `CancellationError`; once through, its read belongs to the source.
final class ReadScheduler: Sendable {
    struct Ticket: Sendable { let id: UInt64 }

    private struct Waiter {
        let id: UInt64
        let offset: Int64
        let length: Int
        let detail: String?
        let enqueued: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Running {
        let readClass: ReadClass
        let offset: Int64
        let length: Int
        let detail: String?
        let started: UInt64
        var abandoned = false
    }

    private enum Phase {
        /// Ticket allocated, not yet queued: a cancel now is remembered.
        case allocated
        case cancelledEarly
        case queued
        case running
    }

    private struct State {
        var limits: ReadLimits
        var interactive = false
        var closed = false
        var nextID: UInt64 = 0
        var queues: [[Waiter]] = Array(repeating: [], count: ReadClass.allCases.count)
        var phases: [UInt64: Phase] = [:]
        var running: [UInt64: Running] = [:]
        var runningPerClass = Array(repeating: 0, count: ReadClass.allCases.count)
        var stats = Array(repeating: ReadClassStatistics(), count: ReadClass.allCases.count)

        func capacity(for c: ReadClass) -> Bool {
            guard running.count < limits.total else { return false }
            if c == .background, interactive {
                return runningPerClass[c.rawValue] < limits.backgroundWhileInteractive
            }
            return true
        }

        /// A new read of class `c` may start at once: room, and nobody of
        /// its class or a higher one is queued before it.
        func mayStart(_ c: ReadClass) -> Bool {
            capacity(for: c) && queues[...c.rawValue].allSatisfy(\.isEmpty)
        }

        mutating func start(_ id: UInt64, _ c: ReadClass, offset: Int64, length: Int, detail: String?, now: UInt64) {
            phases[id] = .running
            running[id] = Running(readClass: c, offset: offset, length: length, detail: detail, started: now)
            runningPerClass[c.rawValue] += 1
        }

        /// Lets queued reads through while there is room, highest class first.
        mutating func dispatch(now: UInt64) -> [CheckedContinuation<Void, any Error>] {
            var out: [CheckedContinuation<Void, any Error>] = []
            var progress = true
            while progress {
                progress = false
                for c in ReadClass.allCases where !queues[c.rawValue].isEmpty && capacity(for: c) {
                    let w = queues[c.rawValue].removeFirst()
                    start(w.id, c, offset: w.offset, length: w.length, detail: w.detail, now: now)
                    stats[c.rawValue].wait.record((now &- w.enqueued) / 1000)
                    out.append(w.continuation)
                    progress = true
                    break
                }
            }
            return out
        }
    }

    private let state: Protected<State>

    init(limits: ReadLimits) {
        state = Protected(State(limits: limits))
    }

    var limits: ReadLimits { state.withLock { $0.limits } }

    /// Whether a viewer shows the media now.
    var isInteractive: Bool { state.withLock { $0.interactive } }

    /// While true, background reads are capped at `limits.backgroundWhileInteractive`.
    func setInteractive(_ on: Bool) {
        let now = monotonicNanoseconds()
        let go = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.interactive = on
            return s.dispatch(now: now)
        }
        for c in go { c.resume() }
    }

    /// Waits for the read's turn. Throws `CancellationError` when the task is
    /// cancelled while queued, `EngineError.shutDown` after `close()`.
    func acquire(_ c: ReadClass, offset: Int64, length: Int, detail: String?) async throws -> Ticket {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            s.phases[s.nextID] = .allocated
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
                let now = monotonicNanoseconds()
                let result = state.withLock { s -> Result<Void, any Error>? in
                    if s.phases[id] == .cancelledEarly {
                        s.phases[id] = nil
                        s.stats[c.rawValue].cancelledWhileQueued += 1
                        return .failure(CancellationError())
                    }
                    if s.closed {
                        s.phases[id] = nil
                        return .failure(EngineError.shutDown)
                    }
                    if s.mayStart(c) {
                        s.start(id, c, offset: offset, length: length, detail: detail, now: now)
                        s.stats[c.rawValue].wait.record(0)
                        return .success(())
                    }
                    s.phases[id] = .queued
                    s.queues[c.rawValue].append(Waiter(id: id, offset: offset, length: length,
                                                       detail: detail, enqueued: now, continuation: cont))
                    return nil
                }
                if let result { cont.resume(with: result) }
            }
        } onCancel: {
            let dropped = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                switch s.phases[id] {
                case .allocated:
                    s.phases[id] = .cancelledEarly
                    return nil
                case .queued:
                    let q = c.rawValue
                    guard let i = s.queues[q].firstIndex(where: { $0.id == id }) else { return nil }
                    s.phases[id] = nil
                    s.stats[q].cancelledWhileQueued += 1
                    return s.queues[q].remove(at: i).continuation
                case .running:
                    s.running[id]?.abandoned = true
                    return nil
                case .cancelledEarly, nil:
                    return nil
                }
            }
            dropped?.resume(throwing: CancellationError())
        }
        return Ticket(id: id)
    }

    /// The read behind `ticket` is done: `bytes` read, or failed. Lets the
    /// next queued reads through.
    func release(_ ticket: Ticket, bytes: Int, failed: Bool) {
        let now = monotonicNanoseconds()
        let go = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.phases[ticket.id] = nil
            if let r = s.running.removeValue(forKey: ticket.id) {
                let k = r.readClass.rawValue
                s.runningPerClass[k] -= 1
                if failed { s.stats[k].failed += 1 } else { s.stats[k].completed += 1 }
                s.stats[k].bytes += Int64(max(0, bytes))
                s.stats[k].latency.record((now &- r.started) / 1000)
            }
            return s.dispatch(now: now)
        }
        for c in go { c.resume() }
    }

    /// A read served from the kernel's page cache (no slot, no queue).
    func recordResident(_ c: ReadClass, bytes: Int) {
        state.withLock { s in
            s.stats[c.rawValue].resident += 1
            s.stats[c.rawValue].residentBytes += Int64(bytes)
        }
    }

    /// Fails every queued read with `EngineError.shutDown` and takes no new ones.
    func close() {
        let dropped = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.closed = true
            let all = s.queues.flatMap { $0 }
            for w in all { s.phases[w.id] = nil }
            s.queues = Array(repeating: [], count: ReadClass.allCases.count)
            return all.map(\.continuation)
        }
        for c in dropped { c.resume(throwing: EngineError.shutDown) }
    }

    func snapshot(engine: String) -> ReadPathStatistics {
        let now = monotonicNanoseconds()
        return state.withLock { s in
            var classes = s.stats
            for c in ReadClass.allCases {
                classes[c.rawValue].queued = s.queues[c.rawValue].count
                classes[c.rawValue].inFlight = s.runningPerClass[c.rawValue]
            }
            let inFlight = s.running.values.sorted { $0.started < $1.started }.map {
                ReadInFlight(readClass: $0.readClass, offset: $0.offset, length: $0.length,
                             ageNanoseconds: now &- $0.started, detail: $0.detail, abandoned: $0.abandoned)
            }
            return ReadPathStatistics(engine: engine, limits: s.limits, interactive: s.interactive,
                                      inFlight: inFlight, classes: classes)
        }
    }
}
