import LinuxAIO

/// A one-line error for the user: what failed, on what, and why.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    /// `description` echoes paths and media text: control characters in it
    /// are escaped here, once for every command (`terminalSafe` is idempotent).
    init(_ description: String) { self.description = description.terminalSafe }
}
