internal import CLinuxAIO
import Glibc
import LinuxAIO

/// An image file or block device opened for writing with a `WritePermit`
/// (`O_RDWR | O_DIRECT`, never `O_CREAT` or `O_TRUNC`). Reads as any source;
/// writes go through the same engine with a chosen `SyncLevel`.
public final class WritableFileSource: BlockSource {
    let source: FileSource
    /// The permit it was opened with (for the patch journal).
    public let permit: WritePermit

    public var path: String { source.path }
    public var kind: SourceKind { source.kind }
    public var geometry: Geometry { source.geometry }
    public var engine: any IOEngine { source.engine }
    public var engineNote: String? { source.engineNote }

    private init(source: FileSource, permit: WritePermit) {
        self.source = source
        self.permit = permit
    }

    static func open(permit: WritePermit, options: BlockSourceOptions) throws(BlockSourceError) -> WritableFileSource {
        let path = permit.path
        var flags = O_RDWR | O_CLOEXEC | cla_O_DIRECT
        var reason: String?
        var fd: Int32 = -1
        while true {
            switch Syscall.retrying({ Glibc.open(path, flags) }) {
            case let .success(f):
                fd = f
            case let .failure(e) where e.rawValue == EINVAL && flags & cla_O_DIRECT != 0:
                flags &= ~cla_O_DIRECT
                reason = "the file system refuses O_DIRECT"
                continue
            case let .failure(e):
                throw BlockSourceError(path: path, reason: writeReason(e, path: path))
            }
            break
        }
        do throws(BlockSourceError) {
            let file = try OpenedFile.finish(fd: fd, path: path, flags: flags, reason: reason)
            guard file.identity == permit.identity else {
                throw BlockSourceError(path: path, reason: .writeRefused(.changed))
            }
            // Some kernels open a device with the ro flag for writing and fail
            // each write instead: ask the device.
            var ro: Int32 = 0
            if file.isBlockDevice, case .success = Syscall.negated({ cla_blk_get_readonly(fd, &ro) }), ro != 0 {
                throw BlockSourceError(path: path, reason: .readOnlyTarget)
            }
            try WriterLock.acquire(fd: fd, path: path, identity: file.identity)
            if !permit.forced {
                let users = file.device.map { MountTable.users(of: $0) } ?? MountTable.users(ofImage: file.identity)
                if !users.isEmpty { throw BlockSourceError(path: path, reason: .writeRefused(.mounted(users: users))) }
            }
            return WritableFileSource(source: try FileSource.make(file: file, options: options), permit: permit)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// EACCES on a block device with the ro flag, or EROFS: read-only target.
    private static func writeReason(_ e: Errno, path: String) -> BlockSourceError.Reason {
        switch e.rawValue {
        case EROFS:
            return .readOnlyTarget
        case EACCES, EPERM:
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            defer { if fd >= 0 { Glibc.close(fd) } }
            var ro: Int32 = 0
            if fd >= 0, case .success = Syscall.negated({ cla_blk_get_readonly(fd, &ro) }), ro != 0 {
                return .readOnlyTarget
            }
            return .writeAccessMissing
        default:
            return OpenedFile.openReason(e)
        }
    }

    public func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await source.read(at: offset, into: buffer, length: length)
    }

    /// Writes the first `length` bytes of `buffer` at `offset` (aligned to
    /// `geometry.alignment`), durable as `sync` says. Returns the bytes written.
    public func write(at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
        guard offset >= 0, offset + Int64(length) <= geometry.size else {
            throw IOError(operation: .write, fd: source.file.fd, path: path, offset: offset, length: length,
                          errno: Errno(EFBIG), hint: "the write does not fit in the \(geometry.size)-byte media")
        }
        return try await source.engine.write(source.file.fd, at: offset, from: buffer, length: length, sync: sync)
    }

    /// fdatasync (`.data`) or fsync (`.full`) of the whole file; nothing for `.none`.
    public func flush(_ level: SyncLevel) async throws {
        switch level {
        case .none: return
        case .data: try await source.engine.fdatasync(source.file.fd)
        case .full: try await source.engine.fsync(source.file.fd)
        }
    }

    public func close() async { await source.close() }
}
