internal import CLinuxAIO
import Glibc
import LinuxAIO

/// Serves reads of a regular file that the kernel's page cache already holds
/// with a plain buffered `pread` (a memory copy), so that a warm file is not
/// read again from the disk through O_DIRECT. Whether a range is resident is
/// asked with `mincore(2)` on a read-only mapping of the file that is never
/// touched (so a file truncated meanwhile cannot raise SIGBUS here).
///
/// Made by `BlockSource.warmReads()`: the source's own file is opened again
/// through `/proc/self/fd` (the same inode even if the path was replaced),
/// read-only and with O_NOATIME like the source, so a forensic run reads the
/// page cache without touching the file's access time either.
///
/// Sendable by construction: the descriptor and the mapping's address are
/// immutable integers; `mincore` and `pread` are thread-safe.
public final class WarmReads: Sendable {
    let fd: Int32
    let mapAddress: UInt
    let mapLength: Int
    let size: Int64
    static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Opens the file behind `fd` again (buffered, read-only, O_NOATIME when
    /// allowed); nil when it is not the regular file `identity` names or
    /// cannot be mapped (then every read goes through the engine).
    init?(fd sourceFD: Int32, identity: FileIdentity, size: Int64) {
        guard size > 0, size < Int64(Int.max / 2) else { return nil }
        let path = "/proc/self/fd/\(sourceFD)"
        var opened = Syscall.retrying { open(path, O_RDONLY | O_CLOEXEC | cla_O_NOATIME) }
        if case let .failure(e) = opened, e.rawValue == EPERM {  // not the owner
            opened = Syscall.retrying { open(path, O_RDONLY | O_CLOEXEC) }
        }
        guard case let .success(fd) = opened else { return nil }
        var st = stat()
        guard case .success = Syscall.retrying({ fstat(fd, &st) }), st.st_mode & S_IFMT == S_IFREG,
              FileIdentity(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)) == identity,
              Self.mincoreTellsTheTruth(path: path, owner: st.st_uid) else {
            close(fd)
            return nil
        }
        guard let p = mmap(nil, Int(size), PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            close(fd)
            return nil
        }
        self.fd = fd
        mapAddress = UInt(bitPattern: p)
        mapLength = Int(size)
        self.size = size
    }

    /// mincore(2) reports the page cache of a file mapping only to its owner,
    /// to CAP_FOWNER (root here) and to whoever may write the file; anyone
    /// else is told that every page is resident (a side channel closed in
    /// Linux 5.0), which would turn every read into a buffered one.
    static func mincoreTellsTheTruth(path: String, owner: uid_t) -> Bool {
        let me = geteuid()
        return me == 0 || me == owner || faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0
    }

    deinit {
        munmap(UnsafeMutableRawPointer(bitPattern: mapAddress), mapLength)
        close(fd)
    }

    /// True when every page of `offset..<offset+length` is in the page cache.
    public func isResident(offset: Int64, length: Int) -> Bool {
        let end = min(size, offset + Int64(length))
        guard offset >= 0, offset < end else { return false }
        let start = Int(offset) / Self.page * Self.page
        let len = Int(end) - start
        let pages = (len + Self.page - 1) / Self.page
        guard let base = UnsafeMutableRawPointer(bitPattern: mapAddress + UInt(start)) else { return false }
        // A libtsk read asks for 16 pages: the vector on the stack, no allocation per call.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: pages) { vec in
            guard case .success = Syscall.retrying({ mincore(base, len, vec.baseAddress) }) else { return false }
            return vec.allSatisfy { $0 & 1 != 0 }
        }
    }

    /// Copies `length` bytes at `offset` into `dst` (any address: the
    /// descriptor is buffered) when the page cache holds all of them: the
    /// count (short only at the end of the file), or 0 when a page is not
    /// cached (nothing is read then). Residency is asked with mincore, not
    /// with preadv2's RWF_NOWAIT: on a miss that one still starts readahead
    /// (Linux 6.18 here), a disk read the caller did not ask for.
    public func copyCached(at offset: Int64, into dst: UnsafeMutableRawPointer, length: Int) -> Int {
        guard isResident(offset: offset, length: length) else { return 0 }
        return (try? read(at: offset, into: dst, length: length)) ?? 0
    }

    /// Reads `length` bytes at `offset` into `buffer` with pread; the count
    /// (short at the end of the file).
    public func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) throws -> Int {
        try read(at: offset, into: buffer.baseAddress, length: length)
    }

    private func read(at offset: Int64, into dst: UnsafeMutableRawPointer, length: Int) throws -> Int {
        var done = 0
        let want = Int(min(Int64(length), max(0, size - offset)))
        while done < want {
            let r: Int
            switch Syscall.retrying({ pread(fd, dst + done, want - done, off_t(offset + Int64(done))) }) {
            case let .success(n): r = n
            case let .failure(e):
                throw IOError(operation: .read, fd: fd, offset: offset + Int64(done), length: want - done, errno: e)
            }
            if r == 0 { break }
            done += r
        }
        return done
    }
}
