import LinuxAIO

/// A line a background job (the viewer's `--hash`) shows in the status bar.
/// The job sets it from its own threads; the renderer reads it each frame,
/// so progress never has to pass through the UI thread's event queue.
///
/// Compared by identity: `ViewerState` holds the box, not the text.
public final class BackgroundStatus: Sendable, Equatable {
    private let value = Protected<String?>(nil)

    public init() {}

    /// The text to show, nil for nothing.
    public var text: String? { value.withLock { $0 } }

    public func set(_ text: String?) { value.withLock { $0 = text } }

    public static func == (a: BackgroundStatus, b: BackgroundStatus) -> Bool { a === b }
}
