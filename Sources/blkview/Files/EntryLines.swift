import FileSystems

/// `ls`'s lines written as bytes straight from an `FSEntryBatch`: fls's line,
/// `--long`'s, or `--json`'s object — the same text as `FSEntry.flsLine`,
/// `LsCommand.longLine` and `FileEntryJSON.line` (the reference versions,
/// kept for one entry at a time), without a `String` per field.
struct EntryLines {
    enum Style { case fls, long, json }

    let style: Style
    /// Prepended to every parent (`ls DIR`: the directory's path).
    let prefix: [UInt8]
    var out: [UInt8] = []

    init(style: Style, prefix: String) {
        self.style = style
        self.prefix = Array(prefix.utf8)
        out.reserveCapacity(1 << 17)
    }

    mutating func append(_ e: FSEntryView) {
        switch style {
        case .fls: fls(e)
        case .long:
            fls(e)
            out.append(0x09)
            decimal(e.size)
            for k in 0..<4 {
                out.append(0x09)
                if let t = e.time(k) { iso(t, slot: k) } else { out.append(0x2D) }
            }
        case .json: json(e)
        }
        out.append(0x0A)
    }

    private mutating func fls(_ e: FSEntryView) {
        out.append(e.nameType)
        out.append(0x2F)
        out.append(e.metaType)
        out.append(0x20)
        if e.deleted { out.append(0x2A); out.append(0x20) }
        address(e)
        if e.reallocated { out.append(contentsOf: "(realloc)".utf8) }
        out.append(0x3A)
        out.append(0x09)
        out.append(contentsOf: prefix)
        out.append(contentsOf: e.parent)
        out.append(contentsOf: e.name)
        if let s = e.stream { out.append(0x3A); out.append(contentsOf: s) }
    }

    private mutating func address(_ e: FSEntryView) {
        decimal(e.inode)
        if let a = e.attribute {
            out.append(0x2D)
            decimal(UInt64(a.type))
            out.append(0x2D)
            decimal(UInt64(a.id))
        }
    }

    private mutating func json(_ e: FSEntryView) {
        key("{\"path\":")
        out.append(0x22)
        for c in prefix { escapedByte(c) }
        escaped(e.parent)
        escaped(e.name)
        if let s = e.stream { out.append(0x3A); escaped(s) }
        out.append(0x22)
        key(",\"name\":")
        quoted(e.name)
        key(",\"inode\":")
        decimal(e.inode)
        key(",\"address\":\"")
        address(e)
        key("\",\"attr_type\":")
        if let a = e.attribute { decimal(UInt64(a.type)) } else { key("null") }
        key(",\"attr_id\":")
        if let a = e.attribute { decimal(UInt64(a.id)) } else { key("null") }
        key(",\"stream\":")
        quoted(e.stream)
        key(",\"short_name\":")
        quoted(e.shortName)
        key(",\"name_type\":")
        letter(e.nameType)
        key(",\"meta_type\":")
        letter(e.metaType)
        key(",\"deleted\":")
        bool(e.deleted)
        key(",\"reallocated\":")
        bool(e.reallocated)
        key(",\"allocated\":")
        if let a = e.metaAllocated { bool(a) } else { key("null") }
        key(",\"directory\":")
        bool(e.isDirectory)
        key(",\"size\":")
        decimal(e.size)
        key(",\"mode\":")
        decimal(UInt64(e.mode))
        key(",\"uid\":")
        decimal(UInt64(e.uid))
        key(",\"gid\":")
        decimal(UInt64(e.gid))
        key(",\"links\":")
        decimal(Int64(e.linkCount))
        key(",\"mtime\":")
        jsonTime(e, 0)
        key(",\"atime\":")
        jsonTime(e, 1)
        key(",\"ctime\":")
        jsonTime(e, 2)
        key(",\"crtime\":")
        jsonTime(e, 3)
        key(",\"link_target\":")
        quoted(e.linkTarget)
        out.append(0x7D)
    }

    private mutating func jsonTime(_ e: FSEntryView, _ k: Int) {
        if let t = e.time(k) { out.append(0x22); iso(t, slot: k); out.append(0x22) } else { key("null") }
    }

    private mutating func key(_ s: StaticString) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    private mutating func bool(_ b: Bool) { if b { key("true") } else { key("false") } }

    /// A one-letter JSON string (the letters are printable ASCII, never `"` or `\` … but escaped if so).
    private mutating func letter(_ c: UInt8) {
        out.append(0x22)
        escapedByte(c)
        out.append(0x22)
    }

    private mutating func quoted(_ b: UnsafeRawBufferPointer?) {
        guard let b else { key("null"); return }
        out.append(0x22)
        escaped(b)
        out.append(0x22)
    }

    private mutating func quoted(_ b: UnsafeRawBufferPointer) { quoted(Optional(b)) }

    /// The bytes (valid UTF-8) with JSON's escapes: what `JSONText.quote` writes.
    private mutating func escaped(_ b: UnsafeRawBufferPointer) {
        if !b.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }) {
            out.append(contentsOf: b)
            return
        }
        for c in b { escapedByte(c) }
    }

    @inline(__always)
    private mutating func escapedByte(_ c: UInt8) {
        switch c {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x0A: out.append(0x5C); out.append(0x6E)
        case 0x0D: out.append(0x5C); out.append(0x72)
        case 0x09: out.append(0x5C); out.append(0x74)
        case 0..<0x20, 0x7F:
            key("\\u00")
            out.append(Self.hex[Int(c >> 4)])
            out.append(Self.hex[Int(c & 15)])
        default: out.append(c)
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func decimal(_ v: UInt64) {
        if v < 10 { out.append(0x30 &+ UInt8(v)); return }
        // 20 digits at most, written backwards.
        var buf = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                   UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var n = v
        var i = 20
        withUnsafeMutableBytes(of: &buf) { p in
            while n > 0 {
                i -= 1
                p[i] = 0x30 &+ UInt8(n % 10)
                n /= 10
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[i..<20]))
        }
    }

    mutating func decimal(_ v: Int64) {
        if v < 0 { out.append(0x2D); decimal(v.magnitude) } else { decimal(UInt64(v)) }
    }

    /// The last time written in each of the four slots and its text (files
    /// made together mostly share their times).
    private var lastTimes: [FSTime?] = [nil, nil, nil, nil]
    private var lastTexts: [[UInt8]] = [[], [], [], []]

    private mutating func iso(_ t: FSTime, slot: Int) {
        if t != lastTimes[slot] {
            let mark = out.count
            isoText(t)
            lastTimes[slot] = t
            lastTexts[slot] = Array(out[mark...])
        } else {
            out.append(contentsOf: lastTexts[slot])
        }
    }

    /// `FSTime.iso8601`'s text; the String version for years outside 0…9999
    /// (whose padding that version defines).
    private mutating func isoText(_ t: FSTime) {
        let (y, m, d, secs) = t.civil
        guard (0...9999).contains(y) else { out.append(contentsOf: Array(t.iso8601.utf8)); return }
        padded(y, 4); out.append(0x2D)
        padded(m, 2); out.append(0x2D)
        padded(d, 2); out.append(0x54)
        padded(secs / 3600, 2); out.append(0x3A)
        padded(secs / 60 % 60, 2); out.append(0x3A)
        padded(secs % 60, 2)
        if t.nanoseconds != 0 { out.append(0x2E); padded(Int64(t.nanoseconds), 9) }
        out.append(0x5A)
    }

    /// `v` (0 ≤ v < 10^width) with leading zeros.
    private mutating func padded(_ v: Int64, _ width: Int) {
        var div: Int64 = 1
        for _ in 1..<width { div *= 10 }
        var r = v
        while div > 0 {
            out.append(0x30 &+ UInt8(r / div % 10))
            r %= div
            div /= 10
        }
    }
}
