internal import CProcess
import Dispatch
import Foundation
import Inspector

/// Ctrl-C cancels the work under way instead of killing the process, so
/// that the session log still gets its end.
enum Interrupt {
    /// From now on, until the process ends, the first Ctrl-C is counted
    /// (and cancels the work given to `cancelling(since:)`) instead of ending
    /// the process; a second one ends it at once. Returns the mark to pass.
    static func mark() -> UInt64 {
        let m = cproc_sigint_count()
        cproc_sigint_catch()
        return m
    }

    /// Runs `body` in a task that a Ctrl-C pressed since `mark` cancels. A
    /// watcher looks at the count every 50 ms (the handler only counts).
    static func cancelling<T: Sendable>(since mark: UInt64,
                                        _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let watcher = Task {
            while !Task.isCancelled {
                if cproc_sigint_count() != mark {
                    task.cancel()
                    return
                }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
        defer { watcher.cancel() }
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

