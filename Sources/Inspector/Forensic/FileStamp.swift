import Glibc
import LinuxAIO

/// What `stat(2)` says about an evidence file, taken before and after a
/// session: size, times (nanoseconds), mode and owner, and the identity.
public struct FileStamp: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var device: UInt64
    public var inode: UInt64
    public var mtime: timespec
    public var ctime: timespec
    public var atime: timespec
    /// The mount is read-only (ST_RDONLY) / does not record access times (ST_NOATIME).
    public var readOnlyMount: Bool
    public var noAtimeMount: Bool

    /// Stats `path` (following symlinks, like the open does); the errno on failure.
    public static func take(_ path: String) -> Result<FileStamp, Errno> {
        var st = stat()
        if case let .failure(e) = Syscall.retrying({ stat(path, &st) }) { return .failure(e) }
        var vfs = statvfs()
        let flags = statvfs(path, &vfs) == 0 ? UInt(vfs.f_flag) : 0
        // ST_RDONLY = 1, ST_NOATIME = 1024 (Glibc's enum is not imported as constants).
        return .success(FileStamp(
            path: path, size: Int64(st.st_size), mode: UInt32(st.st_mode), uid: st.st_uid, gid: st.st_gid,
            device: UInt64(st.st_dev), inode: UInt64(st.st_ino), mtime: st.st_mtim, ctime: st.st_ctim,
            atime: st.st_atim, readOnlyMount: flags & 1 != 0, noAtimeMount: flags & 1024 != 0))
    }

    /// "size=… mtime=… ctime=… atime=… mode=0444 uid=0 gid=0 dev=… ino=…".
    public var summary: String {
        "size=\(size) mtime=\(UTCTime.format(mtime)) ctime=\(UTCTime.format(ctime)) atime=\(UTCTime.format(atime)) "
            + "mode=0\(String(mode & 0o7777, radix: 8)) uid=\(uid) gid=\(gid) dev=\(device) ino=\(inode)"
    }

    /// What changed between this stamp and `after`, save the access time:
    /// ["mtime", "ctime", …]; empty when the file is as it was.
    public func changes(to after: FileStamp) -> [String] {
        var c: [String] = []
        if size != after.size { c.append("size") }
        if !Self.same(mtime, after.mtime) { c.append("mtime") }
        if !Self.same(ctime, after.ctime) { c.append("ctime") }
        if mode != after.mode { c.append("mode") }
        if uid != after.uid || gid != after.gid { c.append("owner") }
        if device != after.device || inode != after.inode { c.append("identity (replaced)") }
        return c
    }

    /// The access time moved (reads without O_NOATIME on a relatime mount).
    public func atimeChanged(to after: FileStamp) -> Bool { !Self.same(atime, after.atime) }

    static func same(_ a: timespec, _ b: timespec) -> Bool { a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec }

    public static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.path == b.path && a.size == b.size && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid
            && a.device == b.device && a.inode == b.inode && same(a.mtime, b.mtime) && same(a.ctime, b.ctime)
            && same(a.atime, b.atime)
    }
}

/// ISO 8601 UTC times for the session log, without Foundation.
public enum UTCTime {
    /// The wall clock now.
    public static func now() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts
    }

    /// "2026-11-26T16:04:40.123456789Z".
    public static func format(_ ts: timespec, fractionDigits: Int = 9) -> String {
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var s = "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T"
            + "\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2))"
        if fractionDigits > 0 {
            let ns = String(ts.tv_nsec)
            let full = String(repeating: "0", count: max(0, 9 - ns.count)) + ns
            s += "." + full.prefix(fractionDigits)
        }
        return s + "Z"
    }

    /// "20261126T160440Z": for file names.
    public static func compact(_ ts: timespec) -> String {
        format(ts, fractionDigits: 0).filter { $0 != "-" && $0 != ":" }
    }
}
