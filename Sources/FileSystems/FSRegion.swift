/// What libtsk knows of a file system's fixed metadata areas, for naming the
/// region a byte is in (`FAT 1`, `journal`, `MFT slack`): sent with `FSInfo`.
public struct FSRegionFacts: Sendable, Equatable, Codable {
    /// The journal's inode: ext3/4's journal inode (8), NTFS's `$LogFile` (2); nil without one.
    public var journalInode: UInt64?
    /// FAT12/16/32 and exFAT: the first FAT's first sector, sectors per FAT, how many FATs (0: not FAT).
    public var fatFirstSector: UInt64
    public var fatSectors: UInt64
    public var fatCount: Int
    /// NTFS: bytes per MFT record (0: not NTFS).
    public var mftRecordSize: Int

    public init(journalInode: UInt64? = nil, fatFirstSector: UInt64 = 0, fatSectors: UInt64 = 0, fatCount: Int = 0, mftRecordSize: Int = 0) {
        self.journalInode = journalInode
        self.fatFirstSector = fatFirstSector
        self.fatSectors = fatSectors
        self.fatCount = fatCount
        self.mftRecordSize = mftRecordSize
    }
}

/// The header of one NTFS MFT record as libtsk reads it (`ntfs_dinode_lookup`).
public struct FSMFTRecord: Sendable, Equatable {
    public var entry: UInt64
    /// False when the record has no valid header (no `FILE` signature, bad fixups).
    public var valid: Bool
    /// The entry is in use (a record not in use may still be a deleted file's).
    public var inUse: Bool
    /// Bytes of the record in use (the header's own count); bytes past it are slack.
    public var usedSize: UInt32
    public var allocatedSize: UInt32

    public init(entry: UInt64, valid: Bool, inUse: Bool, usedSize: UInt32, allocatedSize: UInt32) {
        self.entry = entry
        self.valid = valid
        self.inUse = inUse
        self.usedSize = usedSize
        self.allocatedSize = allocatedSize
    }

    /// True when byte `within` of the record is MFT slack: at or past the
    /// used size, or anywhere in a record without a valid header.
    public func isSlack(_ within: Int64) -> Bool {
        !valid || within >= Int64(usedSize)
    }
}

/// The names of metadata regions, as the status bar and `owner` say them.
public enum FSRegionName {
    public static let bootSector = "boot sector"
    public static let reservedArea = "reserved area"
    public static func fat(_ n: Int) -> String { "FAT \(n)" }
    public static let mftEntry = "MFT entry"
    public static let mftSlack = "MFT slack"
    public static let inodeTable = "inode table"
    public static let journal = "journal"
    public static let unallocated = "unallocated"
}

extension FSInfo {
    /// The FAT-family region of `block` (a sector): `boot sector` (sector 0),
    /// `reserved area` (before the first FAT), `FAT 1`, `FAT 2`…; nil past
    /// the FATs or on other file systems. From libtsk's own layout (its
    /// `$FAT1`/`$FAT2` files).
    public func fatRegion(ofBlock block: UInt64) -> String? {
        let r = regions
        guard r.fatCount > 0, r.fatSectors > 0 else { return nil }
        if block == 0 { return FSRegionName.bootSector }
        if block < r.fatFirstSector { return FSRegionName.reservedArea }
        let n = (block - r.fatFirstSector) / r.fatSectors
        return n < UInt64(r.fatCount) ? FSRegionName.fat(Int(n) + 1) : nil
    }

    /// True when `inode` is the file system's journal (ext3/4 journal inode, NTFS `$LogFile`).
    public func isJournal(_ inode: UInt64) -> Bool {
        regions.journalInode == inode
    }

    /// The MFT entry whose record holds a byte of `$MFT`'s data, and the byte within the record.
    public func mftPosition(_ hit: FSOwnerHit) -> (entry: UInt64, within: Int64)? {
        let size = Int64(regions.mftRecordSize)
        guard isNTFS, size > 0, hit.inode == 0, hit.attribute.type == 128, hit.fileOffset >= 0 else { return nil }
        return (UInt64(hit.fileOffset / size), hit.fileOffset % size)
    }
}
