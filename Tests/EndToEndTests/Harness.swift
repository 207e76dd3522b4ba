import Foundation
import Testing

/// Runs programs (the real blkview binary, strace, fio, …) and captures output.
enum Harness {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The blkview binary next to the test bundle (`swift test` builds it), or `$BLKVIEW_BIN`.
    static let blkview: String = {
        if let p = ProcessInfo.processInfo.environment["BLKVIEW_BIN"] { return p }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return dir.appendingPathComponent("blkview").path
    }()

    /// Runs `executable` with `arguments`; `stdin` is /dev/null.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes concurrently so a full pipe cannot block the child.
        let errData = Protected<Data>()
        let t = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while errData.get() == nil { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: errData.get() ?? Data(), as: UTF8.self))
    }

    static func blkview(_ arguments: String..., environment: [String: String]? = nil) throws -> Result {
        try run(blkview, arguments, environment: environment)
    }

    /// Full path of a tool on PATH, or nil.
    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        var dirs = path.split(separator: ":").map(String.init)
        dirs += ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return dirs.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

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

/// A lock-protected optional value for handing data between threads in tests.
///
/// `@unchecked Sendable`: the mutex guards `value`.
final class Protected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T?
    init() {}
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T? { lock.lock(); defer { lock.unlock() }; return value }
}

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
