import LinuxAIO

/// What kind of thing a source reads from.
public enum SourceKind: Sendable, Equatable, CustomStringConvertible {
    case regularFile
    case blockDevice
    /// A split raw set (`image.001`, `.002`, … or `aa`, `ab`, …).
    case splitRaw(segments: Int)
    /// An EWF (E01) evidence set, read through libewf.
    case ewf(segments: Int)
    /// An NBD export named by a URI (`nbd://`, `nbd+unix://`, `nbds://`), read through libnbd.
    case nbd
    /// A VM disk image (`qcow2`, `vmdk`, `vhdx`, `vdi`, `vpc`, …) served by qemu-nbd.
    case vmImage(format: String)

    public var description: String {
        switch self {
        case .regularFile: "image file"
        case .blockDevice: "block device"
        case let .splitRaw(n): "split raw (\(n) segment\(n == 1 ? "" : "s"))"
        case let .ewf(n): "EWF (\(n) segment\(n == 1 ? "" : "s"))"
        case .nbd: "NBD export"
        case let .vmImage(format): "\(format) image"
        }
    }
}

/// One file of a split raw set: where its bytes sit in the reassembled stream.
public struct SegmentExtent: Sendable, Equatable {
    /// The segment's path.
    public var path: String
    /// Offset of its first byte in the stream.
    public var offset: Int64
    /// Its size in bytes (segments need not be equal).
    public var size: Int64

    public init(path: String, offset: Int64, size: Int64) {
        self.path = path
        self.offset = offset
        self.size = size
    }
}

/// Size and the sector sizes that matter for reading and showing a source.
public struct Geometry: Sendable, Equatable {
    /// Media size in bytes (the reassembled stream for split and EWF sets).
    public var size: Int64
    /// Logical sector size: what LBAs count (BLKSSZGET, EWF header, or 512).
    public var logicalSectorSize: Int
    /// Physical sector size (BLKPBSZGET), else the logical size.
    public var physicalSectorSize: Int
    /// What reads must respect: offsets and lengths multiples of
    /// `alignment.offset`, buffers aligned to `alignment.memory`.
    public var alignment: DirectIOAlignment

    /// The largest media size blkview opens: 1 TiB below `Int64.max`, so that
    /// an offset inside the media plus any read, page, chunk or window length
    /// cannot overflow. Sizes from containers (EWF headers, NBD servers,
    /// sums of split segments) are hostile: past this, the open is refused.
    public static let largestSize: Int64 = Int64.max - (1 << 40)

    public init(size: Int64, logicalSectorSize: Int, physicalSectorSize: Int, alignment: DirectIOAlignment) {
        self.size = size
        self.logicalSectorSize = logicalSectorSize
        self.physicalSectorSize = physicalSectorSize
        self.alignment = alignment
    }
}

/// A read-only view of a disk or image, read through an `IOEngine`.
///
/// Reads must be aligned to `geometry.alignment`; a read that reaches the end
/// of the media returns the short count (the tail of a size that is not a
/// multiple of the sector size is read through the aligned buffer and trimmed).
public protocol BlockSource: AnyObject, Sendable {
    /// The path the user gave (the first segment for a set).
    var path: String { get }
    var kind: SourceKind { get }
    var geometry: Geometry { get }
    /// The engine that serves this source's reads (shown in the status bar).
    var engine: any IOEngine { get }
    /// Why the engine is not the one asked for, or how reads are served
    /// ("tmpfs does not do O_DIRECT reliably; threaded engine"), else nil.
    var engineNote: String? { get }
    /// The files read: the path for an image or device, every segment for a set
    /// (for the session log: sizes and times before and after).
    var files: [String] { get }
    /// Stored hashes and case metadata of an evidence container (EWF), else nil.
    var evidence: EvidenceMetadata? { get }
    /// The segments of a split raw set, in stream order; empty for other sources.
    var segmentLayout: [SegmentExtent] { get }
    /// What is wrong with the container itself, for `info`'s defects ("EWF
    /// segment img.E02 is missing (img.E03 exists) …"); empty when nothing is.
    var containerDefects: [String] { get }
    /// A remark about what was opened ("disk1.002 looks like segment 2 of the
    /// split raw set disk1.001 …"), else nil.
    var openNote: String? { get }

    /// Reads `length` bytes at `offset` into the start of `buffer`; returns the
    /// bytes read, fewer at the end of the media.
    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int

    /// A reader of the page cache for an image file (copies instead of an
    /// O_DIRECT read that would go to the disk again), else nil.
    func warmReads() -> WarmReads?

    /// Waits for requests in flight and closes the file descriptors. Call it:
    /// a source dropped without `close()` closes its descriptors only when no
    /// abandoned request is still in flight on them.
    func close() async
}

extension BlockSource {
    public var engineNote: String? { nil }
    public var files: [String] { [path] }
    public var evidence: EvidenceMetadata? { nil }
    public var segmentLayout: [SegmentExtent] { [] }
    public var openNote: String? { nil }
    public var containerDefects: [String] { [] }
    public func warmReads() -> WarmReads? { nil }
}
