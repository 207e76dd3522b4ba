import Glibc

/// A POSIX error number with its C name and message.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// `EINVAL`, `EIO`, … or `errno N` when the number is not one we name.
    public var name: String {
        Errno.names[rawValue] ?? "errno \(rawValue)"
    }

    /// strerror's text, e.g. "Invalid argument".
    public var message: String { String(cString: strerror(rawValue)) }

    public var description: String { "\(message) (\(name))" }

    public static let EINTR = Errno(Glibc.EINTR)
    public static let EINVAL = Errno(Glibc.EINVAL)
    public static let EBADF = Errno(Glibc.EBADF)
    public static let EAGAIN = Errno(Glibc.EAGAIN)
    public static let EIO = Errno(Glibc.EIO)
    public static let ENOSYS = Errno(Glibc.ENOSYS)
    public static let EOPNOTSUPP = Errno(Glibc.EOPNOTSUPP)
    public static let ECANCELED = Errno(Glibc.ECANCELED)

    private static let names: [Int32: String] = [
        Glibc.EPERM: "EPERM", Glibc.ENOENT: "ENOENT", Glibc.EINTR: "EINTR", Glibc.EIO: "EIO",
        Glibc.ENXIO: "ENXIO", Glibc.EBADF: "EBADF", Glibc.EAGAIN: "EAGAIN", Glibc.ENOMEM: "ENOMEM",
        Glibc.EACCES: "EACCES", Glibc.EFAULT: "EFAULT", Glibc.EBUSY: "EBUSY", Glibc.EEXIST: "EEXIST",
        Glibc.ENODEV: "ENODEV", Glibc.ENOTDIR: "ENOTDIR", Glibc.EISDIR: "EISDIR", Glibc.EINVAL: "EINVAL",
        Glibc.EMFILE: "EMFILE", Glibc.ENOTTY: "ENOTTY", Glibc.EFBIG: "EFBIG", Glibc.ENOSPC: "ENOSPC",
        Glibc.ESPIPE: "ESPIPE", Glibc.EROFS: "EROFS", Glibc.ENOSYS: "ENOSYS", Glibc.ELOOP: "ELOOP",
        Glibc.EOPNOTSUPP: "EOPNOTSUPP", Glibc.ETIMEDOUT: "ETIMEDOUT", Glibc.ECANCELED: "ECANCELED",
        Glibc.EOVERFLOW: "EOVERFLOW", Glibc.ENAMETOOLONG: "ENAMETOOLONG", Glibc.EDQUOT: "EDQUOT",
        Glibc.EMEDIUMTYPE: "EMEDIUMTYPE", Glibc.ENOMEDIUM: "ENOMEDIUM",
    ]
}

/// The one place this module turns a syscall's return into a result: retries
/// EINTR, and maps -1/errno (or libaio's -errno) to `Errno`.
package enum Syscall {
    /// For calls that return -1 and set errno.
    @inline(__always)
    package static func retrying<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
        while true {
            let r = body()
            if r >= 0 { return .success(r) }
            let e = errno
            if e == Glibc.EINTR { continue }
            return .failure(Errno(e))
        }
    }

    /// For calls that return -errno (libaio and our C shim); they do not set errno.
    @inline(__always)
    package static func negated<T: FixedWidthInteger & SignedInteger>(_ body: () -> T) -> Result<T, Errno> {
        while true {
            let r = body()
            if r >= 0 { return .success(r) }
            if r == -T(Glibc.EINTR) { continue }
            return .failure(Errno(Int32(truncatingIfNeeded: -r)))
        }
    }
}
