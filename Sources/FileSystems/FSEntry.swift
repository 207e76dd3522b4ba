/// A time stamp of a file: seconds since 1970 (UTC) and nanoseconds.
public struct FSTime: Sendable, Equatable, Codable, Comparable {
    public var seconds: Int64
    public var nanoseconds: UInt32

    public init(seconds: Int64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (a: FSTime, b: FSTime) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// The UTC calendar date and the second of that day (proleptic Gregorian;
    /// Howard Hinnant's days-to-civil algorithm). Used by `iso8601` and by
    /// `ls`'s byte writer, so both print the same date.
    public var civil: (year: Int64, month: Int64, day: Int64, secondOfDay: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, seconds - days * 86_400)
    }

    /// `2026-11-30T08:12:01.123456789Z` (no fraction when zero).
    public var iso8601: String {
        let (y, m, d, secs) = civil
        func p(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var out = "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secs / 3600, 2)):\(p(secs / 60 % 60, 2)):\(p(secs % 60, 2))"
        if nanoseconds != 0 { out += "." + p(Int64(nanoseconds), 9) }
        return out + "Z"
    }
}

/// The four times of a file; nil where the file system keeps none (zero).
public struct FSTimes: Sendable, Equatable, Codable {
    public var modified: FSTime?
    public var accessed: FSTime?
    public var changed: FSTime?
    public var created: FSTime?

    public init(modified: FSTime? = nil, accessed: FSTime? = nil, changed: FSTime? = nil, created: FSTime? = nil) {
        self.modified = modified
        self.accessed = accessed
        self.changed = changed
        self.created = created
    }
}

/// Which attribute of a file (NTFS: `$DATA` 128, `$INDEX_ROOT` 144, `$FILE_NAME` 48, with its id).
public struct FSAttribute: Sendable, Equatable, Hashable, Codable {
    public var type: UInt32
    public var id: UInt16

    public init(type: UInt32, id: UInt16) {
        self.type = type
        self.id = id
    }
}

/// One name in a directory, as `fls -r -p` prints it (NTFS: one entry per
/// `$DATA` and `$INDEX_ROOT` stream, as fls does), with the
/// metadata it points to.
public struct FSEntry: Sendable, Equatable, Codable {
    /// The directory the name is in, from the root, ending in `/` (`""` at the root).
    public var parent: String
    public var name: String
    /// The 8.3 name (FAT, NTFS), when there is one.
    public var shortName: String?
    /// The NTFS stream name fls prints after `:` (alternate data streams).
    public var stream: String?
    /// Inode or MFT entry number.
    public var inode: UInt64
    /// NTFS: the attribute fls prints as `inode-type-id`.
    public var attribute: FSAttribute?
    /// fls's letters: the type the name says and the type the metadata says
    /// (`r` file, `d` directory, `l` link, `v` virtual, `V` virtual directory, `-` unknown …).
    public var nameType: String
    public var metaType: String
    /// The name is deleted (fls `*`).
    public var deleted: Bool
    /// The metadata is allocated (nil when there is none).
    public var metaAllocated: Bool?
    public var isDirectory: Bool
    /// Bytes: the stream's where there is a stream, else the file's.
    public var size: Int64
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var linkCount: Int32
    public var times: FSTimes
    /// A symbolic link's target.
    public var linkTarget: String?

    public init(parent: String, name: String, shortName: String? = nil, stream: String? = nil, inode: UInt64,
                attribute: FSAttribute? = nil, nameType: String, metaType: String, deleted: Bool,
                metaAllocated: Bool?, isDirectory: Bool, size: Int64, mode: UInt32 = 0, uid: UInt32 = 0,
                gid: UInt32 = 0, linkCount: Int32 = 0, times: FSTimes = FSTimes(), linkTarget: String? = nil) {
        self.parent = parent
        self.name = name
        self.shortName = shortName
        self.stream = stream
        self.inode = inode
        self.attribute = attribute
        self.nameType = nameType
        self.metaType = metaType
        self.deleted = deleted
        self.metaAllocated = metaAllocated
        self.isDirectory = isDirectory
        self.size = size
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.linkCount = linkCount
        self.times = times
        self.linkTarget = linkTarget
    }

    /// `parent + name` (+ `:stream`), as `fls -p` prints it.
    public var path: String { parent + name + (stream.map { ":" + $0 } ?? "") }

    /// `65` or, on NTFS, `65-128-2`: the address `icat` and `istat` take.
    public var address: String {
        guard let a = attribute else { return String(inode) }
        return "\(inode)-\(a.type)-\(a.id)"
    }

    /// The name is deleted but its metadata has been given to another file.
    public var reallocated: Bool { deleted && metaAllocated == true }

    /// fls's line (without `-l`): `r/r * 65-128-2:\tdocs/ledger.txt`.
    public var flsLine: String {
        "\(nameType)/\(metaType) \(deleted ? "* " : "")\(address)\(reallocated ? "(realloc)" : ""):\t\(path)"
    }
}
