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

    /// Runs `executable` with `arguments`; `stdin` is /dev/null. Output goes
    /// through files, not pipes: a daemon the child starts (the tmux server)
    /// would otherwise hold the pipe open and we would wait forever for EOF.
    /// posix_spawn and waitpid on that pid, not Foundation's Process, whose
    /// child monitoring was seen to miss an exit (a zombie tmux client) and
    /// hang a test run.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let base = NSTemporaryDirectory() + "blkview-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let env = (environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } }
                   ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, &argv, &envp)
        guard rc == 0 else { throw HarnessFailure("cannot run \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw HarnessFailure("waitpid \(executable): \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift cannot import.
        let code: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code,
                      stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
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

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
