import Glibc
import LinuxAIO

/// Where a session log goes, and where it must not: never in an evidence
/// file's directory (or below it), where it would be a sidecar file.
public enum SessionLogLocation {
    /// `$XDG_STATE_HOME/blkview/sessions`, else `$HOME/.local/state/blkview/sessions`;
    /// nil without either variable.
    public static func defaultDirectory(environment: [String: String]) -> String? {
        if let x = environment["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/blkview/sessions" }
        if let h = environment["HOME"], h.hasPrefix("/") { return h + "/.local/state/blkview/sessions" }
        return nil
    }

    /// "20261126T160440Z-12345.log": one file per session in the default directory.
    public static func defaultFileName(start: timespec, pid: Int32) -> String {
        "\(UTCTime.compact(start))-\(pid).log"
    }

    /// Refuses a log whose directory is an evidence file's directory or inside
    /// it (symlinks resolved; for evidence in `/`, only `/` itself).
    public static func check(log: String, evidence: [String]) throws(SessionLogError) {
        let logDir = resolvedDirectory(of: log)
        for e in evidence {
            var dirs = [resolvedDirectory(of: e)]
            if let real = realPath(e) { dirs.append(parent(real)) }
            for d in dirs where logDir == d || (d != "/" && logDir.hasPrefix(d + "/")) {
                throw SessionLogError(path: log, reason: "it is in the evidence directory \(d) (of \(e)): "
                    + "a forensic session leaves nothing beside the evidence; give --log a path elsewhere")
            }
        }
    }

    /// The absolute, symlink-free directory `path` is (or would be) in: the
    /// nearest existing ancestor resolved, the rest appended.
    static func resolvedDirectory(of path: String) -> String {
        var dir = parent(absolute(path))
        var rest: [String] = []
        while realPath(dir) == nil, dir != "/" {
            rest.insert(String(dir.split(separator: "/").last ?? ""), at: 0)
            dir = parent(dir)
        }
        let base = realPath(dir) ?? dir
        return rest.reduce(base) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return "/" + path }
        let cwd = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (cwd == "/" ? "" : cwd) + "/" + path
    }

    static func parent(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count <= 1 ? "/" : "/" + parts.dropLast().joined(separator: "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

/// A session log that cannot be used: where, and why.
public struct SessionLogError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "cannot use \(path) as the session log: \(reason)" }
}

/// An append-only plain-text file: opened `O_WRONLY | O_APPEND | O_CREAT`
/// (never truncated), each `append` one `write(2)` so that lines of
/// concurrent sessions do not tear.
public final class SessionLogFile: Sendable {
    public let path: String
    private let fd: Int32

    /// Opens (creating, mode 0600) `path`, creating the default directory
    /// first when `createDirectory`; refuses a FIFO, a directory or a symlink.
    public init(path: String, createDirectory: Bool = false) throws(SessionLogError) {
        self.path = path
        if createDirectory { try Self.makeDirectories(SessionLogLocation.parent(path)) }
        // O_NOFOLLOW: a symlink planted at the log path cannot redirect it; O_NONBLOCK: a FIFO cannot block.
        let flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK
        switch Syscall.retrying({ open(path, flags, 0o600) }) {
        case let .success(f): fd = f
        case let .failure(e): throw SessionLogError(path: path, reason: "\(e)")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            throw SessionLogError(path: path, reason: "not a regular file")
        }
    }

    deinit { Glibc.close(fd) }

    /// Appends `lines`, each ended by a newline, in one write.
    public func append(_ lines: [String]) {
        var bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
        bytes.removeAll()
    }

    static func makeDirectories(_ dir: String) throws(SessionLogError) {
        var path = ""
        for part in dir.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw SessionLogError(path: dir, reason: "cannot create \(path): \(Errno(errno))")
            }
        }
    }
}
