import Glibc
import LinuxAIO

/// One running `blkview __fs-worker`: its pid and the two pipe ends.
/// Owned by `FileSystemSession` (behind its lock).
final class WorkerProcess: Sendable {
    let pid: pid_t
    /// Requests go here (the worker's stdin).
    let requests: Int32
    /// Frames come from here (the worker's stdout).
    let frames: Int32
    private let reaped = Protected<Int32?>(nil)

    private init(pid: pid_t, requests: Int32, frames: Int32) {
        self.pid = pid
        self.requests = requests
        self.frames = frames
    }

    /// Starts the worker for `spec`.
    static func spawn(_ spec: FileSystemSpec) throws(FileSystemError) -> WorkerProcess {
        var toWorker: [Int32] = [-1, -1]
        var fromWorker: [Int32] = [-1, -1]
        guard cloexecPipe(&toWorker) else { throw .spawn("pipe: \(Errno32(errno))") }
        guard cloexecPipe(&fromWorker) else {
            close(toWorker[0]); close(toWorker[1])
            throw .spawn("pipe: \(Errno32(errno))")
        }
        var args = [spec.executable, "__fs-worker", spec.media, "--fs-offset", String(spec.offset)]
        if spec.interactive { args.append("--interactive") }
        if spec.nice > 0 { args += ["--nice", String(spec.nice)] }
        args += spec.sourceArguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toWorker[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromWorker[1], 1)
        // libtsk's own complaints must not reach a terminal the viewer draws on.
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        // Its own process group: a Ctrl-C in the terminal is the parent's to handle.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var env = environ()
        env.removeAll { $0.hasPrefix("SWIFT_BACKTRACE=") }
        env.append("SWIFT_BACKTRACE=enable=no")  // a crash ends at once, without symbolication
        var pid: pid_t = 0
        let cArgs = args.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var rc = posix_spawn(&pid, spec.executable, &actions, &attributes, cArgs, cEnv)
        // ETXTBSY: another thread's fork holds the executable open for writing
        // for a moment (a freshly written file); it passes.
        for _ in 0..<100 where rc == ETXTBSY {
            usleep(10_000)
            rc = posix_spawn(&pid, spec.executable, &actions, &attributes, cArgs, cEnv)
        }
        close(toWorker[0])
        close(fromWorker[1])
        // A 1 MiB pipe (F_SETPIPE_SZ, hidden by Glibc's module): a listing's
        // frames come in bursts, and the worker should not wait on each 64 KiB.
        _ = fcntl(fromWorker[0], 1031, Int32(1 << 20))
        guard rc == 0 else {
            close(toWorker[1]); close(fromWorker[0])
            throw .spawn("\(spec.executable): \(Errno32(rc))")
        }
        return WorkerProcess(pid: pid, requests: toWorker[1], frames: fromWorker[0])
    }

    /// pipe(2) with FD_CLOEXEC on both ends (Glibc hides pipe2 behind _GNU_SOURCE).
    private static func cloexecPipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private static func environ() -> [String] {
        var out: [String] = []
        var p = Glibc.environ
        while let s = p.pointee {
            out.append(String(cString: s))
            p += 1
        }
        return out
    }

    /// Sends one request line.
    func send(_ line: String) throws(FileSystemError) {
        let bytes = Array((line + "\n").utf8)
        if let e = bytes.withUnsafeBytes({ Syscall.writeAll(requests, $0) }) { throw .workerDied("its pipe: \(e)", during: "sending a request") }
    }

    /// SIGKILL, unless the worker has been reaped (its pid may then be another process's).
    func kill() {
        reaped.withLock { r in
            // The worker leads its own process group: anything it started goes too.
            if r == nil { _ = Glibc.kill(-pid, SIGKILL); _ = Glibc.kill(pid, SIGKILL) }
        }
    }

    /// Waits for the worker to end; how it ended (`signal 11 (Segmentation fault)`, `exit status 1`).
    /// The wait leaves the zombie (WNOWAIT); the reap happens under the lock
    /// `kill` takes, so a kill never reaches a recycled pid.
    func reap() -> String {
        if reaped.withLock({ $0 }) == nil {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            reaped.withLock { r in
                guard r == nil else { return }
                var st: Int32 = 0
                while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
                r = st
            }
        }
        let status = reaped.withLock { $0 } ?? 0
        let sig = status & 0x7f
        if sig != 0 { return "signal \(sig) (\(String(cString: strsignal(sig))))" }
        return "exit status \((status >> 8) & 0xff)"
    }

    /// Closes the request pipe (the worker exits), kills it if it does not, reaps it.
    func shutDown() {
        close(requests)
        if !Syscall.waitReadable(frames, milliseconds: 2000) { kill() }
        kill()
        _ = reap()
        close(frames)
    }
}
