import Glibc
import LinuxAIO

/// An NBD export read through libnbd's asynchronous API: a server named by
/// a URI (`nbd://`, `nbds://`, `nbd+unix://`), or a VM image served by a
/// qemu-nbd that libnbd starts with socket activation.
///
/// Up to `--slots` commands are in flight on one connection; the read path
/// (`MediaReader`) orders them by class and shows them in the panels. Holes
/// come from base:allocation block status.
final class NBDSource: BlockSource {
    let path: String
    let kind: SourceKind
    let geometry: Geometry
    let engine: any IOEngine
    let engineNote: String?
    let files: [String]
    let connection: NBDConnection
    let info: NBDConnection.Info
    /// What the status bar says: `nbd ×32`, `qcow2 via qemu-nbd`.
    let label: String
    /// Largest command the server takes (reads above it are split).
    let maxRequest: Int
    private let closed = Protected(false)
    private let extents = Protected<[Range<Int64>]??>(nil)

    init(path: String, kind: SourceKind, files: [String], connection: NBDConnection, info: NBDConnection.Info,
         label: String, note: String?, sectorSize: Int?) {
        self.path = path
        self.kind = kind
        self.files = files
        self.connection = connection
        self.info = info
        self.label = label
        engineNote = note
        engine = NBDEngine(connection)
        // The server's minimum block size is what requests must respect; the
        // preferred size is the physical sector (what is efficient).
        let minimum = Int(clamping: info.minimumBlock > 0 && info.minimumBlock <= 65536 ? info.minimumBlock : 1)
        let preferred = Int(clamping: info.preferredBlock > 0 && info.preferredBlock <= 1 << 21 ? info.preferredBlock : 512)
        let logical = sectorSize ?? max(512, minimum)
        geometry = Geometry(size: info.size, logicalSectorSize: logical, physicalSectorSize: max(logical, preferred),
                            alignment: DirectIOAlignment(memory: 1, offset: minimum))
        let maxBlock = info.maximumBlock > 0 && info.maximumBlock <= 1 << 30 ? Int(info.maximumBlock) : 32 << 20
        maxRequest = max(minimum, min(maxBlock, 32 << 20) / minimum * minimum)
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        if closed.withLock({ $0 }) { throw EngineError.shutDown }
        guard offset >= 0 else {
            throw IOError(operation: .read, fd: -1, path: path, offset: offset, length: length, errno: .EINVAL, hint: "negative offset")
        }
        guard length <= buffer.count else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        guard offset < geometry.size, length > 0 else { return 0 }
        let count = Int(min(Int64(length), geometry.size - offset))
        if count <= maxRequest {
            return try await connection.read(at: offset, into: buffer, length: count)
        }
        // Larger than the server takes in one command: pieces into a bounce
        // buffer each (the engine reads into the start of a buffer).
        var done = 0
        let piece = AlignedBuffer(count: maxRequest, alignment: 64)
        while done < count {
            let n = min(maxRequest, count - done)
            _ = try await connection.read(at: offset + Int64(done), into: piece, length: n)
            (buffer.baseAddress + done).copyMemory(from: piece.baseAddress, byteCount: n)
            done += n
        }
        return done
    }

    func close() async {
        guard closed.setOnce() else { return }
        await connection.close()
    }
}

extension NBDSource: ReadPathSource {
    var readConcurrency: Int { connection.table.slots }
    var partsEngineLabel: String { label }
    func describe(offset: Int64, length: Int) -> String? { nil }
}

extension NBDSource: HoleMapSource {
    /// The export's data ranges from base:allocation block status (a range
    /// that reads as zeros is not data), asked once and kept; nil when the
    /// server does not offer base:allocation or an answer is not usable.
    func dataExtents() -> [Range<Int64>]? {
        if let known = extents.withLock({ $0 }) { return known }
        let found = info.allocation ? scanAllocation() : nil
        extents.withLock { $0 = .some(found) }
        return found
    }

    /// Walks the export with block status; the calling thread waits for
    /// each reply (like the lseek walk of a local file).
    private func scanAllocation() -> [Range<Int64>]? { Self.walk(connection, size: geometry.size) }

    /// At most this many block-status commands per export: a server that
    /// answers with ever smaller pieces ends the walk (no hole map) instead
    /// of keeping it going.
    static let maxStatusCommands = 1 << 20

    static func walk(_ c: NBDConnection, size: Int64) -> [Range<Int64>]? {
        var out: [Range<Int64>] = []
        var pos: Int64 = 0
        var commands = 0
        while pos < size {
            commands += 1
            if commands > maxStatusCommands { return nil }
            let want = UInt64(min(size - pos, 1 << 30))
            guard case let .success(list) = c.allocation(offset: pos, count: want), !list.isEmpty else { return nil }
            for e in list {
                guard e.length > 0, e.length <= UInt64(Int64.max) else { return nil }
                let (end, overflow) = pos.addingReportingOverflow(Int64(e.length))
                let hi = overflow ? size : min(end, size)
                // LIBNBD_STATE_ZERO (2): reads as zeros, like a hole.
                if e.flags & 2 == 0, hi > pos {
                    if let last = out.last, last.upperBound == pos { out[out.count - 1] = last.lowerBound..<hi } else { out.append(pos..<hi) }
                }
                pos = hi
                if pos >= size { break }
            }
        }
        return out
    }
}
