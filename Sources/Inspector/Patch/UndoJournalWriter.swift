import Foundation
import Glibc
import LinuxAIO

/// Appends records to a new undo journal, each made durable (written and
/// fsync'ed) before `append` returns: the caller writes a block only after
/// its record is on stable storage. The journal's I/O runs on its own thread
/// (a one-slot `ThreadPoolEngine`), never on the cooperative pool.
public final class UndoJournalWriter: Sendable {
    public let path: String
    public let header: JournalHeader
    private let fd: Int32
    private let engine: ThreadPoolEngine
    /// Guards the end offset and the next sequence number.
    private let state = Protected<(end: Int64, sequence: UInt32, closed: Bool)>((0, 0, false))

    private init(path: String, header: JournalHeader, fd: Int32, engine: ThreadPoolEngine) {
        self.path = path
        self.header = header
        self.fd = fd
        self.engine = engine
    }

    /// Creates `path` (which must not exist: `O_CREAT | O_EXCL`), writes the
    /// header and makes it and its directory entry durable.
    public static func create(at path: String, header: JournalHeader) async throws -> UndoJournalWriter {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let e = Errno(errno)
            if e.rawValue == EEXIST {
                throw JournalError.io("cannot create the undo journal \(path): it already exists — each patch session writes a new journal; choose another --journal FILE")
            }
            throw JournalError.io("cannot create the undo journal \(path): \(e.message) — choose a writable place with --journal FILE")
        }
        let w = UndoJournalWriter(path: path, header: header, fd: fd, engine: ThreadPoolEngine(slots: 1, threads: 1))
        do {
            try await w.appendDurably(header.encoded())
            let dir = (path as NSString).deletingLastPathComponent
            let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 {
                defer { Glibc.close(dfd) }
                try await w.engine.fsync(dfd)
            }
        } catch {
            await w.close()
            throw JournalError.io("cannot write the undo journal \(path): \(error)")
        }
        return w
    }

    /// Appends the next record (its sequence number is assigned here) and
    /// fsyncs the journal. Returns the record as written.
    @discardableResult
    public func append(offset: Int64, sync: SyncLevel, original: [UInt8], patched: [UInt8]) async throws -> JournalRecord {
        let seq = state.withLock { $0.sequence }
        let rec = JournalRecord(sequence: seq, offset: offset, sync: sync, original: original, patched: patched)
        try await appendDurably(rec.encoded())
        state.withLock { $0.sequence += 1 }
        return rec
    }

    /// Records appended so far.
    public var recordCount: Int { Int(state.withLock { $0.sequence }) }

    private func appendDurably(_ bytes: [UInt8]) async throws {
        let at = state.withLock { $0.end }
        var done = 0
        while done < bytes.count {
            let rest = AlignedBuffer(count: bytes.count - done, alignment: 16)
            rest.replaceBytes(at: 0, with: bytes[done...])
            let n = try await engine.write(fd, at: at + Int64(done), from: rest, length: rest.count, sync: .none)
            // A full disk: the record is torn and its block will not be written.
            guard n > 0 else { throw JournalError.io("cannot append to the undo journal \(path): nothing was written (disk full?)") }
            done += n
        }
        try await engine.fsync(fd)
        state.withLock { $0.end = at + Int64(bytes.count) }
    }

    public func close() async {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        guard first else { return }
        await engine.shutdown()
        Glibc.close(fd)
    }
}
