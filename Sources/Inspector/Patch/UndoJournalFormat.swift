import DiskFormats
import LinuxAIO

/// The target an undo journal belongs to (its header). Version 2 (version 1
/// journals, whose records carry no header checksum, are still read).
///
/// Identity that survives a reboot: the media size and the SHA-256 of its
/// first block (`identityLength` bytes at offset 0) as they were before the
/// journal's first write. Device and inode numbers are kept for the record
/// only: loop devices and device numbers change across reboots.
public struct JournalHeader: Equatable, Sendable {
    public static let magic: [UInt8] = Array("BLKVUNDO".utf8)
    /// The version written. Version 2 records carry the CRC-32C of their
    /// original and patched bytes under a checksum of their own, so that undo
    /// can tell from a damaged last record whether its block was written.
    public static let version: UInt16 = 2
    /// The versions read.
    public static let readableVersions: ClosedRange<UInt16> = 1...2

    public var path: String
    public var size: Int64
    /// The block unit of every record (offsets and lengths are multiples).
    public var unit: Int
    public var logicalSectorSize: Int
    public var device: UInt64
    public var inode: UInt64
    /// Seconds since 1970 when the journal was created.
    public var created: Int64
    public var identityLength: Int
    public var identityDigest: [UInt8]

    public init(path: String, size: Int64, unit: Int, logicalSectorSize: Int, device: UInt64, inode: UInt64,
                created: Int64, identityLength: Int, identityDigest: [UInt8]) {
        self.path = path
        self.size = size
        self.unit = unit
        self.logicalSectorSize = logicalSectorSize
        self.device = device
        self.inode = inode
        self.created = created
        self.identityLength = identityLength
        self.identityDigest = identityDigest
    }

    /// Bytes before the path: magic 8, version 2, flags 2, header length 4,
    /// size 8, unit 4, sector 4, device 8, inode 8, created 8, identity
    /// length 4, digest 32, path length 2.
    static let fixedLength = 94

    public func encoded(version: UInt16 = JournalHeader.version) -> [UInt8] {
        let p = Array(path.utf8)
        var w = ByteWriter()
        w.bytes(Self.magic)
        w.u16(version)
        w.u16(0)
        w.u32(UInt32(Self.fixedLength + p.count + 4))
        w.u64(UInt64(size))
        w.u32(UInt32(unit))
        w.u32(UInt32(logicalSectorSize))
        w.u64(device)
        w.u64(inode)
        w.u64(UInt64(bitPattern: created))
        w.u32(UInt32(identityLength))
        w.bytes(identityDigest)
        w.u16(UInt16(p.count))
        w.bytes(p)
        w.u32(CRC32C.checksum(w.data))
        return w.data
    }
}

/// One write-ahead record: the block's original bytes (what undo writes
/// back) and the bytes the patch writes (so that undo can tell a block the
/// patch reached from one it did not, and refuse a target that is neither).
public struct JournalRecord: Equatable, Sendable {
    public static let magic: [UInt8] = Array("BVRC".utf8)
    /// Version 1: magic 4, sequence 4, offset 8, length 4, sync 1, reserved 3.
    /// Version 2 adds the CRC-32C of the original bytes 4, of the patched
    /// bytes 4, and of the 32 bytes before it 4.
    static func fixedLength(version: UInt16) -> Int { version >= 2 ? 36 : 24 }
    /// A record longer than this is garbage (a torn length field).
    static let maxLength = 16 << 20

    public var sequence: UInt32
    public var offset: Int64
    public var sync: SyncLevel
    public var original: [UInt8]
    public var patched: [UInt8]

    public init(sequence: UInt32, offset: Int64, sync: SyncLevel, original: [UInt8], patched: [UInt8]) {
        precondition(original.count == patched.count)
        self.sequence = sequence
        self.offset = offset
        self.sync = sync
        self.original = original
        self.patched = patched
    }

    public var length: Int { original.count }

    public func encoded(version: UInt16 = JournalHeader.version) -> [UInt8] {
        var w = ByteWriter()
        w.bytes(Self.magic)
        w.u32(sequence)
        w.u64(UInt64(bitPattern: offset))
        w.u32(UInt32(length))
        w.bytes([UInt8(SyncLevel.allCases.firstIndex(of: sync)!), 0, 0, 0])
        if version >= 2 {
            w.u32(CRC32C.checksum(original))
            w.u32(CRC32C.checksum(patched))
            w.u32(CRC32C.checksum(w.data))
        }
        w.bytes(original)
        w.bytes(patched)
        w.u32(CRC32C.checksum(w.data))
        return w.data
    }
}

/// Little-endian encoding for the journal.
struct ByteWriter {
    var data: [UInt8] = []
    mutating func bytes(_ b: [UInt8]) { data += b }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { data.append(UInt8(truncatingIfNeeded: v >> (i * 8))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { data.append(UInt8(truncatingIfNeeded: v >> (i * 8))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { data.append(UInt8(truncatingIfNeeded: v >> (i * 8))) } }
}

/// Little-endian decoding over a byte array; reads past the end return nil.
struct ByteReader {
    let data: [UInt8]
    var position: Int

    func u(_ at: Int, _ n: Int) -> UInt64? {
        guard at >= 0, n >= 0, at <= data.count - n else { return nil }
        var v: UInt64 = 0
        for i in (0..<n).reversed() { v = v << 8 | UInt64(data[at + i]) }
        return v
    }

    func slice(_ at: Int, _ n: Int) -> [UInt8]? {
        guard at >= 0, n >= 0, at <= data.count - n else { return nil }
        return Array(data[at..<(at + n)])
    }
}
