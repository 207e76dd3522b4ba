import Dispatch
import Foundation
import Inspector

/// Ctrl-C cancels the work under way instead of killing the process, so
/// that the session log still gets its end.
enum Interrupt {
    /// Runs `body` in a task that SIGINT cancels; SIGINT is back to its
    /// default afterwards.
    static func cancelling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { task.cancel() }
        source.resume()
        defer {
            source.cancel()
            signal(SIGINT, SIG_DFL)
        }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}

/// The hash progress bar on stderr (a terminal only).
struct HashProgressBar: Sendable {
    let total: Int64
    let line = ProgressLine()
    let started = Date()

    func show(_ done: Int64) {
        let frac = total > 0 ? Double(done) / Double(total) : 1
        let width = 30
        let filled = Int(frac * Double(width))
        let secs = Date().timeIntervalSince(started)
        let rate = secs > 0 ? Double(done) / secs / 1e6 : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        line.show(String(format: "hashing %3d%% %@ %@ of %@  %.0f MB/s", Int(frac * 100), bar,
                         ByteSize.format(done), ByteSize.format(total), rate))
    }

    func clear() { line.clear() }
}

