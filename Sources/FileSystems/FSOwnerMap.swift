/// Consecutive blocks that belong to one attribute of one file, at
/// consecutive offsets in it.
public struct FSOwnerExtent: Sendable, Equatable {
    /// Bytes of one extent in a packed extents frame.
    static let wireSize = 8 + 8 + 8 + 4 + 2 + 8 + 1

    public var block: UInt64
    public var count: UInt64
    public var inode: UInt64
    public var attribute: FSAttribute
    /// Offset in the attribute of the first block's first byte.
    public var fileOffset: Int64
    /// The owning metadata is allocated (false: a deleted file's blocks).
    public var metaAllocated: Bool

    public init(block: UInt64, count: UInt64, inode: UInt64, attribute: FSAttribute, fileOffset: Int64, metaAllocated: Bool) {
        self.block = block
        self.count = count
        self.inode = inode
        self.attribute = attribute
        self.fileOffset = fileOffset
        self.metaAllocated = metaAllocated
    }
}

/// The file that owns a byte: what `ifind -d` then `istat` say.
public struct FSOwnerHit: Sendable, Equatable {
    public var inode: UInt64
    public var attribute: FSAttribute
    /// Offset of the byte in the attribute (at or past its size: slack).
    public var fileOffset: Int64
    public var metaAllocated: Bool

    public init(inode: UInt64, attribute: FSAttribute, fileOffset: Int64, metaAllocated: Bool) {
        self.inode = inode
        self.attribute = attribute
        self.fileOffset = fileOffset
        self.metaAllocated = metaAllocated
    }

    /// `65` or, on NTFS, `65-128-2` (as `ifind -d` prints it).
    public func address(ntfs: Bool) -> String {
        ntfs ? "\(inode)-\(attribute.type)-\(attribute.id)" : String(inode)
    }
}

/// Every block's first owner, in the order `ifind -d` finds them (inodes in
/// order, allocated and deleted, each attribute's non-resident runs with
/// slack; sparse runs own nothing). Built by `FileSystemSession.ownerMap()` / `ownerIndex()`.
public struct FSOwnerMap: Sendable {
    public let info: FSInfo
    /// Sorted by block, not overlapping.
    public let extents: [FSOwnerExtent]
    /// Blocks claimed again by a later inode (cross-linked: the first owner is kept).
    public let crossLinked: UInt64
    /// Blocks past the file system's last block that files claimed (ignored).
    public let outOfRange: UInt64

    public init(info: FSInfo, extents: [FSOwnerExtent], crossLinked: UInt64, outOfRange: UInt64) {
        self.info = info
        self.extents = extents.sorted { $0.block < $1.block }
        self.crossLinked = crossLinked
        self.outOfRange = outOfRange
    }

    /// The owner of `block`, if a file claims it.
    public func owner(ofBlock block: UInt64) -> (extent: FSOwnerExtent, index: UInt64)? {
        var lo = 0
        var hi = extents.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if extents[mid].block <= block { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let e = extents[lo - 1]
        let i = block - e.block
        return i < e.count ? (e, i) : nil
    }

    /// The owner of the byte at `mediaOffset` (bytes from the start of the media).
    public func owner(ofMediaOffset mediaOffset: Int64) -> FSOwnerHit? {
        guard let (b, within) = info.block(ofMediaOffset: mediaOffset), let (e, i) = owner(ofBlock: b) else { return nil }
        // i < count and count blocks were all reported with offsets that fit, so this does not overflow.
        let off = e.fileOffset + Int64(i) * Int64(info.blockSize) + Int64(within)
        return FSOwnerHit(inode: e.inode, attribute: e.attribute, fileOffset: off, metaAllocated: e.metaAllocated)
    }

    /// Blocks some file owns.
    public var ownedBlocks: UInt64 { extents.reduce(0) { $0 &+ $1.count } }
}

/// What libtsk says of a block no file owns (`ifind`'s "Meta Data").
public struct FSBlockStatus: Sendable, Equatable {
    public var block: UInt64
    public var allocated: Bool
    /// Holds file-system metadata (FAT tables, inode tables, the MFT zone…).
    public var metadata: Bool
    /// libtsk could not say (past the end, unreadable bitmap).
    public var unknown: Bool

    public init(block: UInt64, allocated: Bool, metadata: Bool, unknown: Bool) {
        self.block = block
        self.allocated = allocated
        self.metadata = metadata
        self.unknown = unknown
    }
}
