import Foundation
import Glibc
import LinuxAIO

/// One writer at a time: a writable open takes an open-file-description lock
/// (`F_OFD_SETLK`, write, whole file) on its target, held until the
/// descriptor closes. A second writer — another blkview viewer with
/// `--write`, `patch` or `undo` — is refused, naming the holder's PID from
/// `/proc/locks` where the kernel shows it.
///
/// OFD locks belong to the open file, not the process: they survive threads,
/// are released on the last close of the descriptor (also when the process
/// dies), and do not conflict with read-only opens, which take no lock at
/// all (forensic readers change nothing).
enum WriterLock {
    // Linux values (asm-generic, all architectures); Glibc hides them behind _GNU_SOURCE.
    static let ofdGetLock: Int32 = 36
    static let ofdSetLock: Int32 = 37

    /// Locks `fd` for writing, or throws `writeRefused(.anotherWriter)`.
    static func acquire(fd: Int32, path: String, identity: FileIdentity) throws(BlockSourceError) {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0  // to the end, however large the file grows
        lock.l_pid = 0  // must be 0 for OFD locks
        switch Syscall.retrying({ fcntl(fd, ofdSetLock, &lock) }) {
        case .success:
            return
        case let .failure(e) where e.rawValue == EAGAIN || e.rawValue == EACCES:
            throw BlockSourceError(path: path, reason: .writeRefused(.anotherWriter(pid: holder(of: identity))))
        case .failure:
            // EINVAL on file systems without locks (some FUSE): nothing to hold
            // the second writer off; the mount checks and the journal remain.
            return
        }
    }

    /// The PID that holds a write lock on the file, else nil. /proc/locks
    /// shows -1 as the PID of an OFD lock, so the holder is found where the
    /// kernel does show it: the `lock:` line of the descriptor's
    /// `/proc/PID/fdinfo/FD` (`lock:\t1: OFDLCK ADVISORY  WRITE -1 fe:00:1234 0 EOF`).
    static func holder(of identity: FileIdentity) -> Int32? {
        let fm = FileManager.default
        guard let pids = try? fm.contentsOfDirectory(atPath: "/proc") else { return nil }
        for name in pids {
            guard let pid = Int32(name), let fds = try? fm.contentsOfDirectory(atPath: "/proc/\(name)/fdinfo") else { continue }
            for fd in fds {
                guard let info = try? String(contentsOfFile: "/proc/\(name)/fdinfo/\(fd)", encoding: .utf8) else { continue }
                for line in info.split(separator: "\n") where line.hasPrefix("lock:") && holdsWriteLock(line, identity) {
                    return pid
                }
            }
        }
        return nil
    }

    /// A /proc/locks-style line (`1: OFDLCK ADVISORY  WRITE -1 08:02:1234 0 EOF`,
    /// possibly after `lock:`) that is a write lock on `identity`.
    static func holdsWriteLock(_ line: Substring, _ identity: FileIdentity) -> Bool {
        let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let w = f.firstIndex(of: "WRITE"), w + 2 < f.count else { return false }
        let id = f[w + 2].split(separator: ":")
        guard id.count == 3, let maj = UInt64(id[0], radix: 16), let min = UInt64(id[1], radix: 16),
              let ino = UInt64(id[2]) else { return false }
        // glibc's makedev encoding of st_dev.
        let devMajor = (identity.dev >> 8) & 0xfff | (identity.dev >> 32) & ~0xfff
        let devMinor = identity.dev & 0xff | (identity.dev >> 12) & ~0xff
        return maj == devMajor && min == devMinor && ino == identity.ino
    }
}
