import Glibc
internal import CLinuxAIO

/// A failed request: what, on which file, where, why, and what to do.
///
/// `cannot read /dev/sdb at 0x1000 (4096 B): Invalid argument (EINVAL) — O_DIRECT
/// needs 512-byte aligned offset, length and buffer`
public struct IOError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: IOOperation
    public let fd: Int32
    /// The file's path as the kernel names it (`/proc/self/fd/N`), or `fd N`.
    public let path: String
    public let offset: Int64
    public let length: Int
    public let errno: Errno
    public let hint: String?

    public init(operation: IOOperation, fd: Int32, path: String? = nil, offset: Int64, length: Int,
                errno: Errno, hint: String? = nil) {
        self.operation = operation
        self.fd = fd
        self.path = path ?? IOError.pathOf(fd: fd)
        self.offset = offset
        self.length = length
        self.errno = errno
        self.hint = hint
    }

    /// Builds the error for a request and works out the hint from the kernel's
    /// view of the file (only on the error path: it costs a statx).
    static func make(operation: IOOperation, fd: Int32, offset: Int64, length: Int,
                     buffer: UnsafeRawPointer?, errno: Errno) -> IOError {
        IOError(operation: operation, fd: fd, offset: offset, length: length, errno: errno,
                hint: hint(operation: operation, fd: fd, offset: offset, length: length,
                           buffer: buffer, errno: errno))
    }

    public var description: String {
        var s = "cannot \(operation.rawValue) \(path)"
        if operation == .read || operation == .write {
            s += " at 0x\(String(offset, radix: 16)) (\(length) B)"
        }
        s += ": \(errno)"
        if let hint { s += " — \(hint)" }
        // The path is hostile text (an ESC or a newline in a file name).
        return s.terminalSafe
    }

    static func pathOf(fd: Int32) -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buf, buf.count - 1)
        guard n > 0 else { return "fd \(fd)" }
        return buf.withUnsafeBufferPointer { p in
            String(decoding: UnsafeRawBufferPointer(start: p.baseAddress, count: n).bindMemory(to: UInt8.self), as: UTF8.self)
        }
    }

    static func hint(operation: IOOperation, fd: Int32, offset: Int64, length: Int,
                     buffer: UnsafeRawPointer?, errno: Errno) -> String? {
        switch errno.rawValue {
        case Glibc.EINVAL where operation == .read || operation == .write:
            let flags = fcntl(fd, F_GETFL)
            let direct = flags >= 0 && (flags & cla_O_DIRECT) != 0
            if direct {
                let a = DirectIOAlignment.query(fd: fd) ?? .conservative
                if !a.isAligned(offset: offset, length: length, address: buffer) {
                    return "O_DIRECT needs \(a) aligned offset, length and buffer"
                }
                return "O_DIRECT was refused; the file system may not support it"
            }
            return offset < 0 ? "negative offset" : nil
        case Glibc.EINVAL:
            return "the file system does not support \(operation.rawValue) through AIO"
        case Glibc.EBADF:
            return operation == .write
                ? "the file descriptor is closed or not open for writing"
                : "the file descriptor is closed or not open for reading"
        case Glibc.EIO:
            return "the device reported a media or transport error in this range"
        case Glibc.ENOSPC:
            return "no space left on the device"
        case Glibc.EOPNOTSUPP:
            return "the kernel or file system does not support this request flag"
        case Glibc.EROFS, Glibc.EPERM:
            return "the target is read-only"
        case Glibc.ENODEV, Glibc.ENXIO:
            return "the device has gone away"
        default:
            return nil
        }
    }
}

