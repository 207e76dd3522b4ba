// One partition of an MBR or GPT table.

/// How a table holds a partition.
public enum PartitionKind: String, Sendable, Hashable {
    /// A GPT entry.
    case gpt
    /// An MBR primary slot (indexes 1–4).
    case primary
    /// An MBR extended partition: a container of logical ones.
    case extended
    /// A logical partition inside the extended one (indexes 5 and up, as Linux numbers them).
    case logical
}

/// A partition. Starts and sizes count logical sectors of ``DiskLayout/sectorSize``.
public struct Partition: Sendable, Hashable {
    /// Number as Linux and sfdisk give it: the GPT entry number, the MBR slot
    /// (1–4), or 5 and up for logical partitions in EBR-chain order.
    public var index: Int
    /// First logical sector.
    public var start: Int64
    /// Size in logical sectors.
    public var size: Int64
    /// GPT type GUID in upper case, or the MBR id as `0x0c`.
    public var type: String
    /// Human name of the type (`Linux filesystem`, `W95 FAT32 (LBA)`).
    public var typeName: String
    /// GPT partition name; `nil` for MBR or when empty.
    public var name: String?
    /// GPT unique partition GUID (upper case); `nil` for MBR.
    public var guid: String?
    /// MBR boot indicator 0x80, or GPT attribute bit 2 (legacy BIOS bootable).
    public var bootable: Bool
    /// GPT entry, MBR primary, extended or logical.
    public var kind: PartitionKind
    /// The file system found at the start of the partition.
    public var filesystem: FileSystemInfo?

    /// Creates a partition.
    public init(index: Int, start: Int64, size: Int64, type: String, typeName: String,
                name: String? = nil, guid: String? = nil, bootable: Bool = false,
                kind: PartitionKind, filesystem: FileSystemInfo? = nil) {
        self.index = index
        self.start = start
        self.size = size
        self.type = type
        self.typeName = typeName
        self.name = name
        self.guid = guid
        self.bootable = bootable
        self.kind = kind
        self.filesystem = filesystem
    }

    /// One past the last sector (saturating).
    public var end: Int64 { start.addingSaturating(size) }

    /// The bytes the partition covers with `sectorSize`-byte sectors, or `nil`
    /// when its start or end in bytes does not fit in 64 bits (a hostile or
    /// corrupt table: ``DiskLayout/defects`` says so) or the values are negative.
    public func byteRange(sectorSize: Int) -> Range<Int64>? {
        let sector = Int64(sectorSize)
        guard sector > 0, start >= 0, size >= 0 else { return nil }
        let (lo, o1) = start.multipliedReportingOverflow(by: sector)
        let (length, o2) = size.multipliedReportingOverflow(by: sector)
        guard !o1, !o2 else { return nil }
        let (hi, o3) = lo.addingReportingOverflow(length)
        return o3 ? nil : lo..<hi
    }
}
