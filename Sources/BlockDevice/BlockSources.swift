import Glibc
import LinuxAIO

/// Opens images and devices as `BlockSource`s, read-only.
public enum BlockSources {
    /// Opens `path` read-only: a block device, a raw image, the whole split raw
    /// set when `path` is its first segment (`image.001`, `image.000`,
    /// `image.aa`), or an EWF set (`image.E01`, or any file with the EWF
    /// signature) through libewf.
    ///
    /// Files are opened `O_RDONLY | O_CLOEXEC`, with `O_NOATIME` where the
    /// kernel allows it and `O_DIRECT` where the file system honours it; never
    /// for writing. An empty file opens with size 0 (the caller says so); a
    /// procfs/sysfs file, whose size is not its content, is refused. A later
    /// segment opened alone (`disk1.002`) opens as a plain image with an
    /// ``BlockSource/openNote`` naming the set's first segment.
    ///
    /// - Throws: `BlockSourceError`, whose description is the one-line message
    ///   to show (path, reason, what to do).
    public static func open(path: String, options: BlockSourceOptions = BlockSourceOptions()) throws(BlockSourceError) -> any BlockSource {
        try options.validate(path: path)
        if EWFSource.hasEWFExtension(path) {
            return try EWFSource.open(path, options: options)
        }
        if let naming = SplitNaming(firstSegment: path) {
            let set = try SplitSet.discover(naming, path: path)
            if set.count > 1 {
                return try SplitRawSource.open(set, path: path, options: options)
            }
        }
        let file = try OpenedFile.openReadOnly(path)
        if !file.isBlockDevice, file.hasEWFSignature() {
            Glibc.close(file.fd)
            return try EWFSource.open(path, options: options)
        }
        do throws(BlockSourceError) {
            let source = try FileSource.make(file: file, options: options)
            if !file.isBlockDevice, let note = SplitSet.laterSegmentNote(path) {
                return NotedSource(source, note: note)
            }
            return source
        } catch {
            Glibc.close(file.fd)
            throw error
        }
    }

    /// Opens the file or device a `WritePermit` was granted for, `O_RDWR |
    /// O_DIRECT` (without O_DIRECT where the file system refuses it; then the
    /// threaded engine). Never `O_CREAT` or `O_TRUNC`.
    ///
    /// Checks again that the path names what the permit checked and, unless
    /// the permit was forced, that the device is not mounted now.
    public static func openWritable(permit: WritePermit, options: BlockSourceOptions = BlockSourceOptions()) throws(BlockSourceError) -> WritableFileSource {
        try options.validate(path: permit.path)
        return try WritableFileSource.open(permit: permit, options: options)
    }
}
