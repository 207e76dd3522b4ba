// The result of probing a whole device: scheme, partitions, file systems, defects.

/// The partitioning scheme found.
public enum PartitionScheme: String, Sendable, Hashable {
    /// GUID partition table.
    case gpt
    /// DOS/MBR partition table (with extended/logical partitions).
    case mbr
    /// No partition table.
    case none
}

/// Everything ``DiskProbe`` learned about a device.
public struct DiskLayout: Sendable, Hashable {
    /// Device size in bytes.
    public var size: Int64
    /// Logical sector size in bytes that partition starts and sizes count:
    /// 4096 when the GPT was found with 4096-byte sectors, else 512 (or the hint given).
    public var sectorSize: Int
    /// GPT, MBR or none.
    public var scheme: PartitionScheme
    /// GPT disk GUID (upper case) or the MBR disk signature as `0x1234abcd`.
    public var diskID: String?
    /// Partitions in table order (MBR: primaries, then logicals in chain order).
    public var partitions: [Partition]
    /// A file system on the whole device (no table, or one sharing sector 0 with an MBR).
    public var filesystem: FileSystemInfo?
    /// What is wrong: bad CRCs, missing or mismatched backup GPT, overlapping
    /// partitions, partitions past the end, broken EBR chains.
    public var defects: [String]
    /// Every structure found (tables and file-system superblocks), sorted by offset.
    public var regions: [Region]
    /// Ranges the probe wanted but the ``ByteSource`` did not supply; read them
    /// and probe again for a complete answer. Empty when nothing was missing.
    public var missingRanges: [ByteRange]

    /// Creates a layout.
    public init(size: Int64, sectorSize: Int, scheme: PartitionScheme, diskID: String? = nil,
                partitions: [Partition] = [], filesystem: FileSystemInfo? = nil, defects: [String] = [],
                regions: [Region] = [], missingRanges: [ByteRange] = []) {
        self.size = size
        self.sectorSize = sectorSize
        self.scheme = scheme
        self.diskID = diskID
        self.partitions = partitions
        self.filesystem = filesystem
        self.defects = defects
        self.regions = regions
        self.missingRanges = missingRanges
    }

    /// The innermost (shortest) region containing absolute byte `offset`.
    public func region(at offset: Int64) -> Region? {
        var best: Region?
        for region in regions where region.contains(offset) && region.length < (best?.length ?? .max) {
            best = region
        }
        return best
    }

    /// `GPT header › PartitionEntryLBA = 2` for the field under `offset`, or the
    /// region's name alone, or `nil` outside every known region.
    public func describe(_ offset: Int64) -> String? {
        guard let region = region(at: offset) else { return nil }
        guard let field = region.field(at: offset) else { return region.name }
        return field.value.isEmpty ? "\(region.name) › \(field.name)" : "\(region.name) › \(field.name) = \(field.value)"
    }

    /// The partition with Linux number `index`.
    public func partition(_ index: Int) -> Partition? {
        partitions.first { $0.index == index }
    }

    /// The bytes a partition covers on the device (its sectors × ``sectorSize``),
    /// saturating at `Int64.max`. Prefer ``Partition/byteRange(sectorSize:)``,
    /// which answers `nil` where this one clamps (the overflow is a defect).
    public func byteRange(of partition: Partition) -> ByteRange {
        let sector = Int64(sectorSize)
        return ByteRange(offset: partition.start.multipliedSaturating(sector),
                         length: partition.size.multipliedSaturating(sector))
    }
}
