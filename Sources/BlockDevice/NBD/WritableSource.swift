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
    /// How `level` is made true on this target, as patch reports and the
    /// `W` dialog say it: `data (O_DSYNC)`, or `data (NBD FUA)` on an export.
    func syncWords(_ level: SyncLevel) -> String
}

extension WritableSource {
    public func syncWords(_ level: SyncLevel) -> String { level.description }
}

extension WritableFileSource: WritableSource {}
