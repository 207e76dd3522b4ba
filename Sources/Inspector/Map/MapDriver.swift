import BlockDevice
import LinuxAIO

/// The viewer's overview map fill: one `MapScanner` at a time in a task of
/// its own, following where the user looks; snapshots go to `post`.
public final class MapDriver: Sendable {
    private let reader: MediaReader
    private let current = Protected<(scanner: MapScanner, task: Task<Void, Never>)?>(nil)

    public init(reader: MediaReader) { self.reader = reader }

    /// Starts filling `plan` (stopping the fill before it); snapshots of
    /// this fill carry `fill`.
    public func start(_ plan: MapPlan, fill: Int, post: @escaping @Sendable (OverviewMap) -> Void) {
        var options = MapScanner.Options(follow: true)
        // The screen goes first: one lane, under SCHED_IDLE.
        options.lanes = 1
        options.idleLanes = true
        // Four snapshots a second: each is a frame the UI thread draws, and a
        // key that arrives meanwhile waits for it (key-to-frame p99).
        options.publishInterval = 250_000_000
        let scanner = MapScanner(reader: reader, plan: plan, options: options, fill: fill)
        let task = Task { _ = await scanner.run(publish: post) }
        let old = current.withLock { c in defer { c = (scanner, task) }; return c }
        old?.task.cancel()
    }

    /// Stops the fill (its last snapshot says `stopped`).
    public func stop() {
        current.withLock { $0 }?.task.cancel()
    }

    /// Where the user looks now (every frame; cheap when unchanged).
    public func look(at range: Range<Int64>?) {
        current.withLock { $0 }?.scanner.look(at: range)
    }

    /// Stops the fill and waits for its reads to end.
    public func close() async {
        let c = current.withLock { c in defer { c = nil }; return c }
        c?.task.cancel()
        await c?.task.value
    }
}
