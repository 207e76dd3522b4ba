import LinuxAIO

/// A line a background job (the viewer's `--hash`) shows in the status bar,
/// and the way to cancel it (`H` twice in the viewer).
/// The job sets the text from its own threads; the renderer reads it each
/// frame, so progress never has to pass through the UI thread's event queue.
///
/// Compared by identity: `ViewerState` holds the box, not the text.
public final class BackgroundStatus: Sendable, Equatable {
    private let value = Protected<String?>(nil)
    private let canceller = Protected<(@Sendable () -> Void)?>(nil)

    public init() {}

    /// The text to show, nil for nothing.
    public var text: String? { value.withLock { $0 } }

    public func set(_ text: String?) { value.withLock { $0 = text } }

    /// The job runs and can be cancelled.
    public var isRunning: Bool { canceller.withLock { $0 != nil } }

    /// What `cancel()` calls while the job runs; the job sets nil when it ends.
    public func setCanceller(_ body: (@Sendable () -> Void)?) { canceller.withLock { $0 = body } }

    /// Cancels the job once; false when none runs.
    @discardableResult
    public func cancel() -> Bool {
        let body = canceller.withLock { c in
            defer { c = nil }
            return c
        }
        body?()
        return body != nil
    }

    public static func == (a: BackgroundStatus, b: BackgroundStatus) -> Bool { a === b }
}
