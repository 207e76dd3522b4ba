/// Where part of a file's attribute lives.
public struct FSRun: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// `length` blocks at `block`.
        case blocks
        /// `length` blocks of zeros stored nowhere.
        case sparse
        /// A run libtsk has not seen (a gap in a damaged run list).
        case filler
        /// `length` bytes inside the metadata record (NTFS resident data).
        case resident
    }

    public var attribute: FSAttribute
    /// The attribute's name (NTFS streams, `$I30`), if any.
    public var attributeName: String?
    /// The attribute's size in bytes.
    public var attributeSize: Int64
    public var kind: Kind
    /// Offset in the attribute, in blocks (0 for resident data).
    public var fileBlock: UInt64
    /// First block on the file system (0 unless `kind == .blocks`).
    public var block: UInt64
    /// Blocks (bytes for resident data).
    public var length: UInt64
    /// Resident data: where its bytes lie inside the MFT record, in bytes from
    /// the start of the file system (add `FSInfo.offset` for the media); nil
    /// when it cannot be located (an attribute in an extension record). On
    /// disk, NTFS's update sequence holds the last two bytes of each sector.
    public var residentOffset: Int64?

    public init(attribute: FSAttribute, attributeName: String?, attributeSize: Int64, kind: Kind,
                fileBlock: UInt64, block: UInt64, length: UInt64, residentOffset: Int64? = nil) {
        self.attribute = attribute
        self.attributeName = attributeName
        self.attributeSize = attributeSize
        self.kind = kind
        self.fileBlock = fileBlock
        self.block = block
        self.length = length
        self.residentOffset = residentOffset
    }
}

/// A chunk of a file's content (`FileSystemSession.read`).
public struct FSChunk: Sendable {
    /// Offset in the file.
    public var offset: Int64
    /// The bytes (zeros for a sparse chunk).
    public var bytes: [UInt8]
    /// Stored nowhere: a hole.
    public var sparse: Bool
    /// Inside the metadata record (NTFS resident data).
    public var resident: Bool
    /// The block the bytes came from (when they came from one).
    public var block: UInt64?

    public init(offset: Int64, bytes: [UInt8], sparse: Bool, resident: Bool, block: UInt64?) {
        self.offset = offset
        self.bytes = bytes
        self.sparse = sparse
        self.resident = resident
        self.block = block
    }
}

/// How to read a file (`icat`'s options).
public struct FSReadOptions: Sendable, Equatable {
    /// Include the slack after the end of the file up to the end of its last block (`icat -s`).
    public var slack: Bool
    /// Which attribute (NTFS); nil for the default data.
    public var attribute: FSAttribute?
    /// Refuse files larger than this many bytes (absurd sizes from hostile metadata).
    public var maxBytes: Int64

    public init(slack: Bool = false, attribute: FSAttribute? = nil, maxBytes: Int64 = 1 << 42) {
        self.slack = slack
        self.attribute = attribute
        self.maxBytes = maxBytes
    }
}
