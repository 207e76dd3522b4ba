import Foundation

/// Runs programs for the tests (the real blkview binary, mkfs, sfdisk,
/// ewfacquire, strace, tmux, …), one way for every test target.
///
/// posix_spawn and waitpid on that pid, not Foundation's Process, whose child
/// monitoring was seen to miss an exit (a zombie tmux client) and hang a test
/// run. Output goes through files, not pipes: a chatty tool cannot fill a pipe
/// and block, and a daemon the child starts (the tmux server, ewfmount) cannot
/// hold a pipe open so that we wait forever for EOF.
public enum Subprocess {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }

        /// stdout without surrounding white space (a device path, a number).
        public var trimmed: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Runs `executable` (a path; a bare name is looked up with `which`) with
    /// `arguments`. `environment` is merged over the test's own; `input` is
    /// the child's stdin (else /dev/null); `cwd` its working directory.
    /// The status is the exit code, or 128 + the signal that ended it.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: String? = nil, cwd: String? = nil) throws -> Result {
        guard let path = executable.contains("/") ? executable : which(executable) else {
            return Result(status: 127, stdout: "", stderr: "\(executable): not installed")
        }
        let base = NSTemporaryDirectory() + "blkview-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            for ext in [".in", ".out", ".err"] { unlink(base + ext) }
        }
        var stdin = "/dev/null"
        if let input {
            stdin = base + ".in"
            guard FileManager.default.createFile(atPath: stdin, contents: Data(input.utf8)) else {
                throw TestFailure("cannot write \(stdin)")
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else of the test runner's (its event pipe) reaches the
        // child, or a daemon it starts (a tmux server) would hold it open.
        _ = closeFrom3?(&actions, 3)
        // The calling thread may be a dispatch worker with SIGTERM, SIGHUP and
        // SIGINT blocked: a child inheriting that mask (a tmux server) could
        // never be stopped. Children start with no signal blocked or ignored.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // A working directory without posix_spawn_file_actions_addchdir_np
        // (not imported): the shell changes to it and execs the program.
        let argvList = cwd.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, path] + arguments }
            ?? [path] + arguments
        let env = (environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } }
                   ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = argvList.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argvList[0], &actions, &attributes, &argv, &envp)
        guard rc == 0 else { throw TestFailure("cannot run \(path): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TestFailure("waitpid \(path): \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift cannot import.
        let code: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        func text(_ path: String) -> String {
            FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        return Result(status: code, stdout: text(base + ".out"), stderr: text(base + ".err"))
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift
    /// does not import: looked up once.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let closeFrom3: AddCloseFrom? = {
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    }()

    /// Runs a shell command line (fixtures made with real tools).
    @discardableResult
    public static func sh(_ command: String) throws -> Result {
        try run("/bin/sh", ["-c", command])
    }

    /// Runs `argv` (argv[0] looked up on PATH) for a fixture step whose status
    /// the test checks; never throws: a program that cannot start gives 127
    /// and the reason in stderr.
    @discardableResult
    public static func run(_ argv: [String]) -> Result {
        (try? run(argv[0], Array(argv.dropFirst()))) ?? Result(status: 127, stdout: "", stderr: "cannot run \(argv[0])")
    }

    /// Runs `tool` under LC_ALL=C.UTF-8 (the same output everywhere; blkid
    /// escapes non-ASCII labels under plain C) and throws `TestFailure` with
    /// the command line, status and output unless it exits 0.
    @discardableResult
    public static func checked(_ tool: String, _ arguments: [String], input: String? = nil, cwd: String? = nil) throws -> Result {
        let r = try run(tool, arguments, environment: ["LC_ALL": "C.UTF-8"], input: input, cwd: cwd)
        guard r.status == 0 else {
            throw TestFailure("`\(([tool] + arguments).joined(separator: " "))` exited \(r.status): \(r.stderr)\(r.stdout)")
        }
        return r
    }

    /// Full path of a tool on PATH (and the sbin directories), or nil.
    public static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return dirs.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
