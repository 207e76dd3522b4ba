import Glibc
import LinuxAIO

/// Opens images and devices as `BlockSource`s, read-only.
public enum BlockSources {
    /// Opens `path` read-only: a block device, a raw image, the whole split raw
    /// set when `path` is its first segment (`image.001`, `image.000`,
    /// `image.aa`), or an EWF set (`image.E01`, or any file with the EWF
    /// signature) through libewf; an NBD export named by a URI
    /// (`nbd://host[:port]/export`, `nbd+unix:///export?socket=PATH`,
    /// `nbds://…`) through libnbd; a VM image (qcow2, vmdk, vhdx, vdi, vpc,
    /// qed: recognised by its magic) through `qemu-nbd --read-only`, started
    /// by libnbd with socket activation.
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
        if NBDOpener.isURI(path) {
            return try NBDOpener.open(uri: path, options: options)
        }
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
        if !file.isBlockDevice, let format = VMImageFormat.detect(fd: file.fd, size: file.size) {
            Glibc.close(file.fd)
            return try NBDOpener.open(image: path, format: format, options: options)
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

    /// True when `path` names an NBD export (`nbd://`, `nbds://`,
    /// `nbd+unix://`, …) rather than a file: there is no file to stamp.
    public static func isNBDURI(_ path: String) -> Bool { NBDOpener.isURI(path) }

    /// Opens the file or device a `WritePermit` was granted for, `O_RDWR |
    /// O_DIRECT` (without O_DIRECT where the file system refuses it; then the
    /// threaded engine). Never `O_CREAT` or `O_TRUNC`.
    ///
    /// Checks again that the path names what the permit checked and, unless
    /// the permit was forced, that the device is not mounted now.
    /// An NBD URI opens through libnbd; a read-only export is refused.
    public static func openWritable(permit: WritePermit, options: BlockSourceOptions = BlockSourceOptions()) throws(BlockSourceError) -> any WritableSource {
        try options.validate(path: permit.path)
        if NBDOpener.isURI(permit.path) {
            return try NBDWritableSource.open(permit: permit, options: options)
        }
        // A VM image is a container (blkview reads it through qemu-nbd,
        // read-only): its file's bytes are not the disk's.
        if let file = try? OpenedFile.openReadOnly(permit.path) {
            let format = file.isBlockDevice ? nil : VMImageFormat.detect(fd: file.fd, size: file.size)
            Glibc.close(file.fd)
            if let format {
                throw BlockSourceError(path: permit.path, reason: .writeRefused(.container(.vmImage(format: format.driver))))
            }
        }
        return try WritableFileSource.open(permit: permit, options: options)
    }
}
