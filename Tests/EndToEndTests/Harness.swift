import Foundation
import TestSubprocess
import Testing

/// Runs programs (the real blkview binary, strace, fio, …) and captures output.
enum Harness {
    typealias Result = Subprocess.Result

    /// The blkview binary next to the test bundle (`swift test` builds it), or `$BLKVIEW_BIN`.
    static let blkview: String = {
        if let p = ProcessInfo.processInfo.environment["BLKVIEW_BIN"] { return p }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return dir.appendingPathComponent("blkview").path
    }()

    /// Runs `executable` with `arguments` (stdin /dev/null): `Subprocess`.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        try Subprocess.run(executable, arguments, environment: environment)
    }

    static func blkview(_ arguments: String..., environment: [String: String]? = nil) throws -> Result {
        try run(blkview, arguments, environment: environment)
    }

    /// Full path of a tool on PATH, or nil.
    static func which(_ tool: String) -> String? { Subprocess.which(tool) }

    /// Whether `tool` is installed: for `.enabled(if:)` traits.
    static func has(_ tool: String) -> Bool { which(tool) != nil }

    /// Runs a shell command line (for setting up fixtures with real tools).
    @discardableResult
    static func sh(_ command: String) throws -> Result {
        try run("/bin/sh", ["-c", command])
    }
}

/// A scratch directory on a disk file system (O_DIRECT works there), removed at deinit.
final class ScratchDir: Sendable {
    let path: String
    init() throws {
        path = "/var/tmp/blkview-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Creates a file of `size` bytes (random when `random`, else sparse zeros).
    func file(_ name: String, size: Int, random: Bool = false) throws -> String {
        let p = "\(path)/\(name)"
        let r = random ? try Harness.sh("head -c \(size) /dev/urandom > '\(p)'")
                       : try Harness.sh("truncate -s \(size) '\(p)'")
        guard r.status == 0 else { throw HarnessFailure("cannot create \(p): \(r.stderr)") }
        return p
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
