import LinuxAIO

/// A media open for writing (`patch`, `undo`, the viewer with `--write`):
/// writes go to the engine with a chosen sync level; every read — read
/// before write, read-back verification, the viewer's pages — goes through
/// the one read path, `reader`, in the visible class (someone waits for it).
public final class WritableMedia: Sendable {
    /// The file or device open `O_RDWR` (and its OFD write lock), or the NBD export.
    public let writer: any WritableSource
    /// The read path over the same descriptor.
    public let reader: MediaReader

    public init(_ writer: any WritableSource) {
        self.writer = writer
        reader = MediaReader(writer)
    }

    public var path: String { writer.path }
    /// How a sync level is made true here (see `WritableSource.syncWords`).
    public func syncWords(_ level: SyncLevel) -> String { writer.syncWords(level) }
    public var geometry: Geometry { writer.geometry }
    public var permit: WritePermit { writer.permit }

    /// Reads through the read path (visible class).
    public func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await reader.read(at: offset, into: buffer, length: length, as: .visible)
    }

    /// Writes the first `length` bytes of `buffer` at `offset`, durable as `sync` says.
    public func write(at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
        try await writer.write(at: offset, from: buffer, length: length, sync: sync)
    }

    /// fdatasync (`.data`) or fsync (`.full`) of the whole file; nothing for `.none`.
    public func flush(_ level: SyncLevel) async throws { try await writer.flush(level) }

    /// Closes the read path and the descriptor (which releases the write lock).
    public func close() async { await reader.close() }
}
