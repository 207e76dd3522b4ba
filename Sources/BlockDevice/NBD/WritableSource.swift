import LinuxAIO

/// A media open for writing with a `WritePermit`: an image file or device
/// (`WritableFileSource`) or an NBD export whose server allows writes.
/// Only `BlockSources.openWritable` makes one.
public protocol WritableSource: BlockSource {
    /// The permit it was opened with (for the patch journal).
    var permit: WritePermit { get }
    /// Writes the first `length` bytes of `buffer` at `offset`, durable as
    /// `sync` says. Returns the bytes written.
    func write(at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int
    /// Makes what was written durable: fdatasync/fsync, or NBD_CMD_FLUSH.
    func flush(_ level: SyncLevel) async throws
}

extension WritableFileSource: WritableSource {}
