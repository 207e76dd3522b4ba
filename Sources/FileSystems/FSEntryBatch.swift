/// Entries as they came from the worker, checked but not yet made into
/// `FSEntry` values: the fixed fields in a flat array and every string's
/// UTF-8 in one byte buffer. A listing of 100,000 names is decoded with a
/// handful of allocations; `ls` formats its lines straight from here, the
/// others ask for `entries`.
public struct FSEntryBatch: Sendable {
    struct Record: Sendable {
        var inode: UInt64
        var flags: UInt8
        var nameType: UInt8
        var metaType: UInt8
        var attrID: UInt16
        var attrType: UInt32
        var size: Int64
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var nlink: Int32
        var seconds: (Int64, Int64, Int64, Int64)
        var nanos: (UInt32, UInt32, UInt32, UInt32)
        /// parent, name, short name, stream, link: start in `text` and length (-1: missing).
        var strings: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)
    }

    static let hasAttribute: UInt8 = 1
    static let deleted: UInt8 = 2
    static let hasMeta: UInt8 = 4
    static let metaAllocated: UInt8 = 8
    static let directory: UInt8 = 16

    private(set) var records: [Record] = []
    private(set) var text: [UInt8] = []

    public init() {}

    /// Entries in the batch.
    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    mutating func removeAll() {
        records.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
    }

    /// Text bytes held (a batch is handed on when it grows large).
    var textBytes: Int { text.count }

    /// The fixed fields and the five strings of one entry frame (see `WorkerLoop.entry` for the layout), checked.
    typealias Strings = (UnsafeRawBufferPointer?, UnsafeRawBufferPointer?, UnsafeRawBufferPointer?, UnsafeRawBufferPointer?, UnsafeRawBufferPointer?)

    private static func parse(_ p: UnsafeRawBufferPointer) throws(FileSystemError) -> (Record, Strings) {
        var r = BinaryReader(p)
        let inode: UInt64 = try r.le()
        let flags = try r.u8() & 31
        let attrType: UInt32 = try r.le()
        let attrID: UInt16 = try r.le()
        let nameType = Self.letter(try r.u8())
        let metaType = Self.letter(try r.u8())
        let size: Int64 = try r.le()
        let mode: UInt32 = try r.le()
        let uid: UInt32 = try r.le()
        let gid: UInt32 = try r.le()
        let nlink: Int32 = try r.le()
        var s: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
        var n: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        s.0 = try r.le(); n.0 = min(try r.le(), 999_999_999)
        s.1 = try r.le(); n.1 = min(try r.le(), 999_999_999)
        s.2 = try r.le(); n.2 = min(try r.le(), 999_999_999)
        s.3 = try r.le(); n.3 = min(try r.le(), 999_999_999)
        let parent = try r.blob()
        let name = try r.blob()
        let strings: Strings = (parent, name, try r.blob(), try r.blob(), try r.blob())
        try r.end()
        guard parent != nil else { throw .protocolError("an entry without its parent") }
        guard name != nil else { throw .protocolError("an entry without its name") }
        let record = Record(inode: inode, flags: flags, nameType: nameType, metaType: metaType, attrID: attrID, attrType: attrType,
                            size: size, mode: mode, uid: uid, gid: gid, nlink: nlink, seconds: s, nanos: n,
                            strings: (0, -1, 0, -1, 0, -1, 0, -1, 0, -1))
        return (record, strings)
    }

    /// Decodes one entry frame and appends it.
    mutating func append(frame p: UnsafeRawBufferPointer) throws(FileSystemError) {
        var (record, strings) = try Self.parse(p)
        let mark = text.count
        do {
            let a = try keep(strings.0), b = try keep(strings.1), c = try keep(strings.2)
            let d = try keep(strings.3), e = try keep(strings.4)
            record.strings = (a.0, a.1, b.0, b.1, c.0, c.1, d.0, d.1, e.0, e.1)
            records.append(record)
        } catch {
            text.removeSubrange(mark...)
            throw error
        }
    }

    /// One entry frame as a value (no batch kept). `parent`: the previous
    /// entry's parent, shared (not allocated again) when this one's is the same.
    static func entry(frame p: UnsafeRawBufferPointer, parent: inout String) throws(FileSystemError) -> FSEntry {
        let (record, strings) = try parse(p)
        let view = FSEntryView(r: record, text: UnsafeRawBufferPointer(start: nil, count: 0), direct: strings)
        let bytes = view.parent
        if !parent.utf8.elementsEqual(bytes) { parent = String(decoding: bytes, as: UTF8.self) }
        return view.entry(parent: parent)
    }

    static func entry(frame p: UnsafeRawBufferPointer) throws(FileSystemError) -> FSEntry {
        var parent = ""
        return try entry(frame: p, parent: &parent)
    }

    private static func letter(_ v: UInt8) -> UInt8 { (0x21...0x7E).contains(v) ? v : 0x2D }

    /// Copies a string into `text` as valid UTF-8 (what `String(decoding:)`
    /// makes of it: invalid sequences become U+FFFD).
    private mutating func keep(_ b: UnsafeRawBufferPointer?) throws(FileSystemError) -> (Int32, Int32) {
        guard let b else { return (0, -1) }
        let start = text.count
        guard start <= Int(Int32.max) - 4 * b.count else { throw .protocolError("a listing's names exceed 2 GiB in one batch") }
        if b.allSatisfy({ $0 < 0x80 }) {
            text.append(contentsOf: b)
        } else {
            text.append(contentsOf: String(decoding: b, as: UTF8.self).utf8)
        }
        return (Int32(start), Int32(text.count - start))
    }

    /// Calls `body` with each entry in order (the view is valid only during the call).
    public func forEach(_ body: (FSEntryView) throws -> Void) rethrows {
        try text.withUnsafeBytes { t in
            for r in records { try body(FSEntryView(r: r, text: t)) }
        }
    }

    /// The entries as values.
    public var entries: [FSEntry] {
        var out: [FSEntry] = []
        out.reserveCapacity(records.count)
        forEach { out.append($0.entry) }
        return out
    }
}

/// One entry of an `FSEntryBatch`, read in place: the fields of `FSEntry`,
/// strings as UTF-8 bytes valid while the batch's `forEach` call runs.
public struct FSEntryView {
    let r: FSEntryBatch.Record
    let text: UnsafeRawBufferPointer
    /// The strings in place in a frame (`FSEntryBatch.entry(frame:)`), instead of `text`.
    var direct: FSEntryBatch.Strings? = nil

    private func string(_ start: Int32, _ length: Int32) -> UnsafeRawBufferPointer? {
        length < 0 ? nil : UnsafeRawBufferPointer(rebasing: text[Int(start)..<Int(start + length)])
    }

    public var inode: UInt64 { r.inode }
    public var attribute: FSAttribute? { r.flags & FSEntryBatch.hasAttribute != 0 ? FSAttribute(type: r.attrType, id: r.attrID) : nil }
    /// fls's letters as ASCII bytes (`r`, `d`, `-` …).
    public var nameType: UInt8 { r.nameType }
    public var metaType: UInt8 { r.metaType }
    public var deleted: Bool { r.flags & FSEntryBatch.deleted != 0 }
    public var metaAllocated: Bool? { r.flags & FSEntryBatch.hasMeta != 0 ? r.flags & FSEntryBatch.metaAllocated != 0 : nil }
    public var isDirectory: Bool { r.flags & FSEntryBatch.directory != 0 }
    public var reallocated: Bool { deleted && metaAllocated == true }
    public var size: Int64 { r.size }
    public var mode: UInt32 { r.mode }
    public var uid: UInt32 { r.uid }
    public var gid: UInt32 { r.gid }
    public var linkCount: Int32 { r.nlink }

    /// Modified, accessed, changed, created (0…3); nil where the file system keeps none.
    public func time(_ k: Int) -> FSTime? {
        let (s, n): (Int64, UInt32)
        switch k {
        case 0: (s, n) = (r.seconds.0, r.nanos.0)
        case 1: (s, n) = (r.seconds.1, r.nanos.1)
        case 2: (s, n) = (r.seconds.2, r.nanos.2)
        default: (s, n) = (r.seconds.3, r.nanos.3)
        }
        return s == 0 && n == 0 ? nil : FSTime(seconds: s, nanoseconds: n)
    }

    private static var empty: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }
    public var parent: UnsafeRawBufferPointer { (direct.map { $0.0 } ?? string(r.strings.0, r.strings.1)) ?? Self.empty }
    public var name: UnsafeRawBufferPointer { (direct.map { $0.1 } ?? string(r.strings.2, r.strings.3)) ?? Self.empty }
    public var shortName: UnsafeRawBufferPointer? { direct.map { $0.2 } ?? string(r.strings.4, r.strings.5) }
    public var stream: UnsafeRawBufferPointer? { direct.map { $0.3 } ?? string(r.strings.6, r.strings.7) }
    public var linkTarget: UnsafeRawBufferPointer? { direct.map { $0.4 } ?? string(r.strings.8, r.strings.9) }

    /// The entry as a value.
    public var entry: FSEntry { entry(parent: String(decoding: parent, as: UTF8.self)) }

    func entry(parent: String) -> FSEntry {
        func s(_ b: UnsafeRawBufferPointer?) -> String? { b.map { String(decoding: $0, as: UTF8.self) } }
        return FSEntry(parent: parent, name: s(name)!, shortName: s(shortName), stream: s(stream), inode: inode,
                       attribute: attribute, nameType: String(UnicodeScalar(nameType)), metaType: String(UnicodeScalar(metaType)),
                       deleted: deleted, metaAllocated: metaAllocated, isDirectory: isDirectory, size: size, mode: mode,
                       uid: uid, gid: gid, linkCount: linkCount,
                       times: FSTimes(modified: time(0), accessed: time(1), changed: time(2), created: time(3)),
                       linkTarget: s(linkTarget))
    }
}
