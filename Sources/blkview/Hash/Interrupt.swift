internal import CLinuxAIO
import Dispatch
import Foundation
import Inspector

/// Ctrl-C cancels the work under way instead of killing the process, so
/// that the session log still gets its end.
enum Interrupt {
    /// Runs `body` in a task that SIGINT cancels; SIGINT is back to its
    /// default afterwards. The handler only counts (async-signal-safe); a
    /// watcher looks at the count every 50 ms.
    ///
    /// - Parameter mark: from `mark()`: Ctrl-C pressed since then counts too.
    static func cancelling<T: Sendable>(since mark: UInt64? = nil,
                                        _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let before = mark ?? cla_sigint_count()
        cla_sigint_catch()
        defer { cla_sigint_default() }
        let task = Task { try await body() }
        let watcher = Task {
            while !Task.isCancelled {
                if cla_sigint_count() != before {
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

    /// From now on Ctrl-C is counted instead of ending the process, until a
    /// `cancelling(since:)` given the returned mark ends.
    static func mark() -> UInt64 {
        let m = cla_sigint_count()
        cla_sigint_catch()
        return m
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

