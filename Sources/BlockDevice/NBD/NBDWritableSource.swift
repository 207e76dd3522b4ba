import Glibc
import LinuxAIO

/// An NBD export opened with a `WritePermit` (`--write`, patch, undo) on a
/// server that allows writes: `nbd_aio_pwrite`, with FUA for the data and
/// full sync levels (a write then a flush where the server has no FUA), and
/// NBD_CMD_FLUSH. Reads go through the same connection.
final class NBDWritableSource: WritableSource {
    let source: NBDSource
    let permit: WritePermit

    var path: String { source.path }
    var kind: SourceKind { source.kind }
    var geometry: Geometry { source.geometry }
    var engine: any IOEngine { source.engine }
    var engineNote: String? { source.engineNote }
    var files: [String] { source.files }

    init(source: NBDSource, permit: WritePermit) {
        self.source = source
        self.permit = permit
    }

    /// Connects to `permit.path` and refuses, in one line, an export the
    /// server offers read-only.
    static func open(permit: WritePermit, options: BlockSourceOptions) throws(BlockSourceError) -> NBDWritableSource {
        let s = try NBDOpener.open(uri: permit.path, options: options)
        if s.info.readOnly {
            let c = s.connection
            Task.detached { await c.close() }
            throw BlockSourceError(path: permit.path, reason: .writeRefused(.readOnlyExport))
        }
        return NBDWritableSource(source: s, permit: permit)
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await source.read(at: offset, into: buffer, length: length)
    }

    /// FUA on each write where the server offers it, else a flush after the write.
    func syncWords(_ level: SyncLevel) -> String {
        level == .none ? "none" : "\(level.rawValue) (\(source.info.canFUA ? "NBD FUA" : "write + NBD flush"))"
    }

    func write(at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
        guard offset >= 0, length >= 0, length <= buffer.count, offset <= geometry.size - Int64(length) else {
            throw IOError(operation: .write, fd: -1, path: path, offset: offset, length: length,
                          errno: Errno(EFBIG), hint: "the write does not fit in the \(geometry.size)-byte export")
        }
        var done = 0
        let fua = sync != .none && source.info.canFUA
        while done < length {
            let n = min(source.maxRequest, length - done)
            if done == 0 && n == length {
                _ = try await source.connection.write(at: offset, from: buffer, length: n, fua: fua, sync: sync)
            } else {
                let piece = AlignedBuffer(count: n, alignment: 64)
                piece.baseAddress.copyMemory(from: buffer.baseAddress + done, byteCount: n)
                _ = try await source.connection.write(at: offset + Int64(done), from: piece, length: n, fua: fua, sync: sync)
            }
            done += n
        }
        if sync != .none && !fua { try await flush(sync) }
        return done
    }

    /// NBD_CMD_FLUSH for `.data` and `.full` (the protocol has one flush);
    /// nothing for `.none` or a server that does not take flushes (then it
    /// has no volatile cache to flush, per the protocol).
    func flush(_ level: SyncLevel) async throws {
        guard level != .none, source.info.canFlush else { return }
        try await source.connection.flush()
    }

    func close() async { await source.close() }
}

extension NBDWritableSource: ReadPathSource {
    var readConcurrency: Int { source.readConcurrency }
    var partsEngineLabel: String { source.engineLabel }
    func describe(offset: Int64, length: Int) -> String? { nil }
}

extension NBDWritableSource: HoleMapSource {
    func dataExtents() -> [Range<Int64>]? { source.dataExtents() }
}
