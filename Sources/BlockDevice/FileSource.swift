internal import CLinuxAIO
import Glibc
import LinuxAIO

/// An image file or a block device behind one file descriptor.
final class FileSource: BlockSource {
    let path: String
    let kind: SourceKind
    let geometry: Geometry
    let engine: any IOEngine
    let engineNote: String?
    let file: OpenedFile
    private let closed = Protected(false)

    init(file: OpenedFile, geometry: Geometry, engine: any IOEngine, note: String?) {
        self.file = file
        path = file.path
        kind = file.isBlockDevice ? .blockDevice : .regularFile
        self.geometry = geometry
        self.engine = engine
        engineNote = note
    }

    /// Opens `path` read-only and works out its geometry.
    static func open(_ path: String, options: BlockSourceOptions) throws(BlockSourceError) -> FileSource {
        let file = try OpenedFile.openReadOnly(path)
        do throws(BlockSourceError) {
            return try make(file: file, options: options)
        } catch {
            Glibc.close(file.fd)
            throw error
        }
    }

    static func make(file: OpenedFile, options: BlockSourceOptions) throws(BlockSourceError) -> FileSource {
        let geometry = Geometry.of(file, sectorSize: options.sectorSize)
        let (engine, note) = try EngineSelection.make(options, direct: file.direct,
                                                      bufferedReason: file.bufferedReason, path: file.path)
        return FileSource(file: file, geometry: geometry, engine: engine, note: note)
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        if closed.withLock({ $0 }) { throw EngineError.shutDown }
        guard offset >= 0 else {
            throw IOError(operation: .read, fd: file.fd, path: path, offset: offset, length: length,
                          errno: .EINVAL, hint: "negative offset")
        }
        guard offset < geometry.size, length > 0 else { return 0 }
        // Never ask past the size rounded up to the alignment: an O_DIRECT
        // read that crosses the file system's maximum file size fails with
        // EINVAL instead of returning the short count (ext4 with 4 KiB
        // blocks: a file of 16 TiB - 4 KiB, whose last page read is 64 KiB).
        let a = Int64(max(geometry.alignment.offset, 1))
        let left = geometry.size - offset
        let (rounded, overflow) = left.addingReportingOverflow(a - 1)
        let limit = overflow ? left : rounded / a * a
        let n = try await engine.read(file.fd, at: offset, into: buffer, length: Int(min(Int64(length), limit)))
        // A file that grew since it was opened: show the size we reported.
        return Int(min(Int64(n), geometry.size - offset))
    }

    func warmReads() -> WarmReads? {
        guard kind == .regularFile, !closed.withLock({ $0 }) else { return nil }
        return WarmReads(fd: file.fd, identity: file.identity, size: geometry.size)
    }

    func close() async {
        let first = closed.setOnce()
        guard first else { return }
        await engine.shutdown()
        Glibc.close(file.fd)
    }

    deinit {
        // Not closed by the owner. A request abandoned by a cancelled task may
        // still be in flight on the fd; closing it then could let the number be
        // reused under the kernel's feet, so only close when nothing is.
        if !closed.withLock({ $0 }), engine.statistics().inFlight.isEmpty {
            Glibc.close(file.fd)
        }
    }
}

extension Geometry {
    /// Device sector sizes from the ioctls; 512 for images; `sectorSize`
    /// overrides the logical size (physical becomes at least that).
    static func of(_ file: OpenedFile, sectorSize: Int?) -> Geometry {
        var logical = 512
        var physical = 512
        if file.isBlockDevice {
            var l: UInt32 = 0
            var p: UInt32 = 0
            if case .success = Syscall.negated({ cla_blk_logical_sector_size(file.fd, &l) }), l > 0 { logical = Int(l) }
            if case .success = Syscall.negated({ cla_blk_physical_sector_size(file.fd, &p) }), p > 0 {
                physical = Int(p)
            } else {
                physical = logical
            }
        }
        if let s = sectorSize {
            logical = s
            physical = max(physical, s)
        }
        return Geometry(size: file.size, logicalSectorSize: logical, physicalSectorSize: physical,
                        alignment: file.alignment)
    }
}
