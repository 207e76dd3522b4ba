import Foundation
import TestSupport
import Testing

/// The real blkview binary, for the end-to-end tests. Everything else (running
/// tools, scratch directories, capability probes) is in TestSupport.
enum Harness {
    /// The blkview binary next to the test bundle (`swift test` builds it), or `$BLKVIEW_BIN`.
    static let blkview: String = {
        if let p = ProcessInfo.processInfo.environment["BLKVIEW_BIN"] { return p }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return dir.appendingPathComponent("blkview").path
    }()

    /// Runs blkview with `arguments` (stdin /dev/null).
    static func blkview(_ arguments: String..., environment: [String: String]? = nil) throws -> Subprocess.Result {
        try Subprocess.run(blkview, arguments, environment: environment)
    }
}
