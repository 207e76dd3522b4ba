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
