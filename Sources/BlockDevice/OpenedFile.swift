internal import CLinuxAIO
import Glibc
import LinuxAIO

/// One file descriptor opened read-only for a source, with what the kernel
/// said about it. Internal: sources own it and close it.
struct OpenedFile: Sendable {
    let fd: Int32
    let path: String
    let isBlockDevice: Bool
    /// The fd carries O_DIRECT (reads bypass the page cache; AIO does not block).
    let direct: Bool
    /// Why O_DIRECT is off, for the status line ("tmpfs ignores O_DIRECT").
    let bufferedReason: String?
    /// Bytes: st_size, or BLKGETSIZE64 for devices.
    let size: Int64
    /// The device number of a block device (st_rdev), else nil.
    let device: DeviceNumber?
    /// st_dev and st_ino: what the path named when it was opened.
    let identity: FileIdentity
}

/// st_dev and st_ino, to check that a path still names the same file.
struct FileIdentity: Hashable, Sendable {
    let dev: UInt64
    let ino: UInt64
}

/// File systems whose O_DIRECT is ignored (tmpfs, ramfs: io_submit would block
/// on buffered I/O) or unreliable (FUSE: refused by some, ignored by others).
enum BufferedFileSystems {
    static let names: [Int64: String] = [
        0x0102_1994: "tmpfs",
        0x8584_58f6: "ramfs",
        0x6573_5546: "FUSE",
    ]
}

extension OpenedFile {
    /// Opens `path` `O_RDONLY | O_CLOEXEC`, adding `O_NOATIME` (dropped on
    /// EPERM: only the owner or CAP_FOWNER may use it) and `O_DIRECT` (dropped
    /// on EINVAL, and cleared on tmpfs/ramfs/FUSE where it is ignored or
    /// unreliable). Never asks for write access, not even as a first try.
    static func openReadOnly(_ path: String, allowDirect: Bool = true) throws(BlockSourceError) -> OpenedFile {
        try checkType(path)
        // O_NONBLOCK: should the path turn into a FIFO between stat and open,
        // the open must not wait for a writer. Cleared once fstat says it is a
        // regular file or a block device.
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | cla_O_NOATIME | (allowDirect ? cla_O_DIRECT : 0)
        var reason: String? = allowDirect ? nil : "buffered reads requested"
        var fd: Int32 = -1
        while true {
            switch Syscall.retrying({ open(path, flags) }) {
            case let .success(f):
                fd = f
            case let .failure(e) where e.rawValue == EPERM && flags & cla_O_NOATIME != 0:
                flags &= ~cla_O_NOATIME  // not the owner: atime may be updated by reads
                continue
            case let .failure(e) where e.rawValue == EINVAL && flags & cla_O_DIRECT != 0:
                flags &= ~cla_O_DIRECT
                reason = "the file system refuses O_DIRECT"
                continue
            case let .failure(e):
                throw BlockSourceError(path: path, reason: openReason(e))
            }
            break
        }
        do throws(BlockSourceError) {
            return try finish(fd: fd, path: path, flags: flags, reason: reason)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// stat(2) before open(2): opening a FIFO would block, a character device
    /// could be a tape. (fstat after open checks again.)
    @discardableResult
    static func checkType(_ path: String) throws(BlockSourceError) -> FileIdentity {
        var st = stat()
        if case let .failure(e) = Syscall.retrying({ stat(path, &st) }) {
            throw BlockSourceError(path: path, reason: e.rawValue == EACCES ? .searchAccessMissing : openReason(e))
        }
        try checkMode(st.st_mode, path: path)
        return FileIdentity(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
    }

    static func checkMode(_ mode: mode_t, path: String) throws(BlockSourceError) {
        switch mode & S_IFMT {
        case S_IFREG, S_IFBLK: return
        case S_IFDIR: throw BlockSourceError(path: path, reason: .isDirectory)
        case S_IFIFO: throw BlockSourceError(path: path, reason: .fifo)
        case S_IFSOCK: throw BlockSourceError(path: path, reason: .socket)
        case S_IFCHR: throw BlockSourceError(path: path, reason: .characterDevice)
        default: throw BlockSourceError(path: path, reason: .unsupportedFileType)
        }
    }

    static func openReason(_ e: Errno) -> BlockSourceError.Reason {
        switch e.rawValue {
        case ENOENT, ENOTDIR: .notFound
        case EACCES, EPERM: .readAccessMissing
        case EISDIR: .isDirectory
        default: .openFailed(e)
        }
    }

    static func finish(fd: Int32, path: String, flags: Int32,
                               reason: String?) throws(BlockSourceError) -> OpenedFile {
        var st = stat()
        if case let .failure(e) = Syscall.retrying({ fstat(fd, &st) }) {
            throw BlockSourceError(path: path, reason: .openFailed(e))
        }
        // The path may have been replaced between stat and open.
        try checkMode(st.st_mode, path: path)
        if flags & O_NONBLOCK != 0 {
            let fl = fcntl(fd, F_GETFL)
            if fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 {
                throw BlockSourceError(path: path, reason: .openFailed(Errno(errno)))
            }
        }
        let isBlock = st.st_mode & S_IFMT == S_IFBLK
        var direct = flags & cla_O_DIRECT != 0
        var why = reason
        // Only for files: a device node's fstatfs reports devtmpfs (tmpfs magic).
        if direct && !isBlock {
            var magic: Int64 = 0
            if case .success = Syscall.negated({ cla_fstatfs_type(fd, &magic) }),
               let name = BufferedFileSystems.names[magic] {
                why = "\(name) does not do O_DIRECT reliably"
                direct = !clearDirect(fd)
            }
        }
        if direct && !probeDirectRead(fd) {
            why = "the file system refuses O_DIRECT reads"
            direct = !clearDirect(fd)
        }
        let size: Int64
        if isBlock {
            var s: UInt64 = 0
            if case let .failure(e) = Syscall.negated({ cla_blk_getsize64(fd, &s) }) {
                throw BlockSourceError(path: path, reason: .openFailed(e))
            }
            guard s <= UInt64(Geometry.largestSize) else { throw BlockSourceError(path: path, reason: .mediaTooLarge("\(s) B")) }
            size = Int64(s)
        } else {
            size = Int64(st.st_size)
            try checkRealSize(fd, path: path, size: size)
            // tmpfs and XFS allow sparse files up to 2^63 − 1 B.
            guard size <= Geometry.largestSize else { throw BlockSourceError(path: path, reason: .mediaTooLarge("\(size) B")) }
        }
        return OpenedFile(fd: fd, path: path, isBlockDevice: isBlock, direct: direct,
                          bufferedReason: direct ? nil : why, size: size,
                          device: isBlock ? DeviceNumber(UInt64(st.st_rdev)) : nil,
                          identity: FileIdentity(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)))
    }

    /// Pseudo file systems whose files report size 0 while reads return data.
    static let pseudoFileSystems: [Int64: String] = [
        0x9fa0: "procfs", 0x6265_6572: "sysfs", 0x6462_6720: "debugfs", 0x7472_6163: "tracefs",
        0x7363_6673: "securityfs", 0x6265_6570: "configfs", 0x2762_1fbf: "cgroup", 0x6367_7270: "cgroup2",
        0xcafe_4a11: "bpf", 0x6e73_6673: "nsfs", 0xde5e_81e4: "efivarfs",
    ]

    /// A regular file's size must be real: procfs and sysfs files report 0 (or
    /// 4096) bytes and return other amounts of data, which an image of that
    /// size would silently misread. Refused: any file on a pseudo file system
    /// (by its magic), and a file of size 0 whose first read returns bytes. A
    /// truly empty file passes (it opens with size 0).
    static func checkRealSize(_ fd: Int32, path: String, size: Int64) throws(BlockSourceError) {
        var magic: Int64 = 0
        let fsName: String? = if case .success = Syscall.negated({ cla_fstatfs_type(fd, &magic) }) {
            pseudoFileSystems[magic]
        } else {
            nil
        }
        if let fsName { throw BlockSourceError(path: path, reason: .sizeUnknown(fileSystem: fsName, reported: size)) }
        guard size == 0 else { return }
        // An aligned read works with and without O_DIRECT.
        let buf = AlignedBuffer(count: 4096, alignment: 4096)
        if case let .success(n) = Syscall.negated({ cla_pread2(fd, buf.baseAddress, 4096, 0) }), n > 0 {
            throw BlockSourceError(path: path, reason: .sizeUnknown(fileSystem: nil, reported: 0))
        }
    }

    /// Clears O_DIRECT on the open file; true when it is off.
    static func clearDirect(_ fd: Int32) -> Bool {
        let fl = fcntl(fd, F_GETFL)
        guard fl >= 0 else { return false }
        return fcntl(fd, F_SETFL, fl & ~cla_O_DIRECT) == 0
    }

    /// Some file systems accept O_DIRECT at open and fail the read with EINVAL:
    /// read one aligned block at 0 to find out (a read changes nothing).
    private static func probeDirectRead(_ fd: Int32) -> Bool {
        let align = DirectIOAlignment.query(fd: fd) ?? .conservative
        let n = max(align.offset, align.memory, 512)
        let buf = AlignedBuffer(count: n, alignment: max(align.memory, 512))
        let r = Syscall.negated { cla_pread2(fd, buf.baseAddress, UInt64(n), 0) }
        if case let .failure(e) = r, e.rawValue == EINVAL { return false }
        return true
    }

    /// True when the first bytes are an EWF signature ("EVF\t\r\n\xff\0") or
    /// EWF2's ("EVF2\r\n\x81\0"). Reads one aligned block at 0.
    func hasEWFSignature() -> Bool {
        let a = alignment
        let n = max(a.offset, 512)
        let buf = AlignedBuffer(count: n, alignment: max(a.memory, 512))
        guard case let .success(r) = Syscall.negated({ cla_pread2(fd, buf.baseAddress, UInt64(n), 0) }), r >= 8 else {
            return false
        }
        let head = buf.copyBytes(count: 8)
        return head == [0x45, 0x56, 0x46, 0x09, 0x0D, 0x0A, 0xFF, 0x00]
            || head == [0x45, 0x56, 0x46, 0x32, 0x0D, 0x0A, 0x81, 0x00]
    }

    /// What O_DIRECT needs on this fd: statx/BLKSSZGET, else 4096; 1 without O_DIRECT.
    var alignment: DirectIOAlignment {
        direct ? (DirectIOAlignment.query(fd: fd) ?? .conservative) : DirectIOAlignment(memory: 1, offset: 1)
    }
}
