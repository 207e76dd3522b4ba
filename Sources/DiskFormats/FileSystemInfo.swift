// What a superblock or boot sector says about its file system.

/// A file system (or LUKS container, or swap area) found at some offset.
///
/// Names follow `blkid -p -o export`: `type` is its TYPE, `label` its LABEL,
/// `uuid` its UUID, formatted exactly as blkid prints them.
public struct FileSystemInfo: Sendable, Hashable {
    /// blkid's TYPE: `ext2`, `ext3`, `ext4`, `vfat`, `exfat`, `ntfs`, `swap`,
    /// `crypto_LUKS`, `xfs`, `btrfs`, `iso9660`.
    public var type: String
    /// blkid's VERSION where it has one (`FAT32`, `1`, `2`, `1.0`, `Joliet Extension`).
    public var version: String?
    /// The label, `nil` when empty.
    public var label: String?
    /// The UUID or serial, as blkid prints it (`XXXX-XXXX` for FAT, 16 hex digits for NTFS).
    public var uuid: String?
    /// blkid's UUID_SUB (btrfs device UUID).
    public var uuidSub: String?
    /// File-system block or cluster size in bytes.
    public var blockSize: Int64?
    /// Size of the file system in bytes, as its superblock declares it.
    public var size: Int64?
    /// Absolute byte offset of the start of the file system on the device.
    public var offset: Int64
    /// The superblock / boot sector and related structures, with fields.
    public var regions: [Region]
    /// What is wrong with the superblock's values (a size that overflows 64 bits).
    public var defects: [String] = []

    /// Creates a file-system description.
    public init(type: String, version: String? = nil, label: String? = nil, uuid: String? = nil,
                uuidSub: String? = nil, blockSize: Int64? = nil, size: Int64? = nil,
                offset: Int64, regions: [Region] = []) {
        self.type = type
        self.version = version
        self.label = label
        self.uuid = uuid
        self.uuidSub = uuidSub
        self.blockSize = blockSize
        self.size = size
        self.offset = offset
        self.regions = regions
    }
}

/// An empty string becomes `nil`.
func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }

/// `a × b` when it fits in 64 bits; else `nil` and a defect naming the superblock field.
func checkedProduct(_ a: Int64, _ b: Int64, _ what: String, _ defects: inout [String]) -> Int64? {
    let (v, overflow) = a.multipliedReportingOverflow(by: b)
    if overflow || a < 0 || b < 0 {
        defects.append("\(what): \(a) × \(b) bytes overflows a 64-bit size")
        return nil
    }
    return v
}

/// `a × b` of an unsigned on-disk count and a unit, checked as ``checkedProduct(_:_:_:_:)``.
func checkedProduct(_ a: UInt64, _ b: Int64, _ what: String, _ defects: inout [String]) -> Int64? {
    guard a <= UInt64(Int64.max) else {
        defects.append("\(what): \(a) × \(b) bytes overflows a 64-bit size")
        return nil
    }
    return checkedProduct(Int64(a), b, what, &defects)
}
