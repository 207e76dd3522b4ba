/// What libtsk found at an offset: the file system's type and geometry.
public struct FSInfo: Sendable, Equatable, Codable {
    /// libtsk's name: `ntfs`, `fat12`, `fat16`, `fat32`, `exfat`, `ext2`, `ext3`, `ext4`, `iso9660`, `hfs`, `ufs2`…
    public var type: String
    /// Bytes per block (cluster, sector for FAT: libtsk's unit of addresses).
    public var blockSize: Int
    public var blockCount: UInt64
    /// The last block the file system claims (may lie beyond the media).
    public var lastBlock: UInt64
    public var firstInode: UInt64
    public var lastInode: UInt64
    public var rootInode: UInt64
    /// Byte offset of the file system on the media.
    public var offset: Int64
    /// Where the fixed metadata areas are (FATs, journal, MFT records), for naming regions.
    public var regions: FSRegionFacts

    public init(type: String, blockSize: Int, blockCount: UInt64, lastBlock: UInt64, firstInode: UInt64,
                lastInode: UInt64, rootInode: UInt64, offset: Int64, regions: FSRegionFacts = FSRegionFacts()) {
        self.type = type
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.lastBlock = lastBlock
        self.firstInode = firstInode
        self.lastInode = lastInode
        self.rootInode = rootInode
        self.offset = offset
        self.regions = regions
    }

    /// The media byte offset of `block`, nil when it does not fit in 63 bits.
    public func mediaOffset(block: UInt64) -> Int64? {
        guard block <= UInt64(Int64.max) else { return nil }
        let (b, o1) = Int64(block).multipliedReportingOverflow(by: Int64(blockSize))
        guard !o1 else { return nil }
        let (s, o2) = b.addingReportingOverflow(offset)
        return o2 ? nil : s
    }

    /// The block holding media byte `offset` and the byte within it; nil
    /// before the file system or past its last block.
    public func block(ofMediaOffset mediaOffset: Int64) -> (block: UInt64, within: Int)? {
        guard mediaOffset >= offset, blockSize > 0 else { return nil }
        let rel = mediaOffset - offset
        let b = UInt64(rel / Int64(blockSize))
        guard b <= lastBlock else { return nil }
        return (b, Int(rel % Int64(blockSize)))
    }

    /// True for NTFS, whose names carry `inode-type-id` addresses.
    public var isNTFS: Bool { type.hasPrefix("ntfs") }
}
