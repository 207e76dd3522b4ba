/// The worker's pipe format. Requests (client → worker) are one line of
/// tab-separated fields; answers (worker → client) are frames: a kind byte, a
/// little-endian UInt32 length, then the payload — tab-separated fields
/// (`\\`, `\t`, `\n` escaped; `\0` for a missing string) or, for data, a
/// binary header and the bytes. Fast to write and parse for 100,000 entries;
/// nothing in it is trusted by the client.
enum Wire {
    enum Kind: UInt8 {
        case info = 0x49  // I
        case entry = 0x45  // E
        case run = 0x52  // R
        case data = 0x44  // D
        case extent = 0x4D  // M
        /// Owner-map extents, packed (binary, `FSOwnerExtent.wireSize` bytes each).
        case extents = 0x4F  // O
        case status = 0x42  // B
        case record = 0x54  // T: an MFT record's header
        case progress = 0x50  // P
        case done = 0x5A  // Z
        case failure = 0x58  // X
    }

    /// Frames larger than this are a protocol error (a data frame carries at most 1 MiB).
    static let maxFrame = 4 << 20
}

/// Builds frames into one buffer (the worker flushes it to the pipe).
struct FrameWriter {
    private(set) var bytes: [UInt8] = []
    private var start = 0
    private var first = true

    init() { bytes.reserveCapacity(1 << 17) }

    mutating func begin(_ kind: Wire.Kind) {
        start = bytes.count
        bytes.append(kind.rawValue)
        bytes.append(contentsOf: [0, 0, 0, 0])
        first = true
    }

    mutating func end() {
        let n = UInt32(bytes.count - start - 5)
        bytes[start + 1] = UInt8(truncatingIfNeeded: n)
        bytes[start + 2] = UInt8(truncatingIfNeeded: n >> 8)
        bytes[start + 3] = UInt8(truncatingIfNeeded: n >> 16)
        bytes[start + 4] = UInt8(truncatingIfNeeded: n >> 24)
    }

    private mutating func separator() {
        if first { first = false } else { bytes.append(0x09) }
    }

    mutating func field(_ v: some FixedWidthInteger) {
        separator()
        bytes.append(contentsOf: String(v).utf8)
    }

    mutating func field(_ b: Bool) {
        separator()
        bytes.append(b ? 0x31 : 0x30)
    }

    mutating func field(_ s: String?) {
        separator()
        guard var text = s else { bytes.append(0x5C); bytes.append(0x30); return }
        text.withUTF8 { appendEscaped($0) }
    }

    /// A C string (nil: missing).
    mutating func field(cString p: UnsafePointer<CChar>?) {
        separator()
        guard let p else { bytes.append(0x5C); bytes.append(0x30); return }
        var q = UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self)
        while q.pointee != 0 {
            appendEscapedByte(q.pointee)
            q += 1
        }
    }

    mutating func appendByte(_ c: UInt8) { bytes.append(c) }

    /// Raw bytes appended to the payload (data frames).
    mutating func raw(_ p: UnsafeRawBufferPointer) { bytes.append(contentsOf: p) }

    mutating func raw64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func appendEscaped(_ b: UnsafeBufferPointer<UInt8>) {
        for c in b { appendEscapedByte(c) }
    }

    @inline(__always)
    private mutating func appendEscapedByte(_ c: UInt8) {
        switch c {
        case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
        case 0x09: bytes.append(0x5C); bytes.append(0x74)
        case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
        default: bytes.append(c)
        }
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Reads the tab-separated fields of a frame's payload; every read checks.
struct FieldReader {
    private let p: UnsafeRawBufferPointer
    private var i = 0

    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    /// No field left (optional trailing fields are absent).
    var isAtEnd: Bool { i >= p.count }

    /// The next field's raw bytes, unescaped; nil for a missing string.
    mutating func string() throws(FileSystemError) -> String? {
        guard i <= p.count else { throw .protocolError("a frame has too few fields") }
        var out: [UInt8] = []
        var missing = false
        while i < p.count, p[i] != 0x09 {
            let c = p[i]
            if c == 0x5C, i + 1 < p.count {
                i += 1
                switch p[i] {
                case 0x74: out.append(0x09)
                case 0x6E: out.append(0x0A)
                case 0x30: missing = true
                default: out.append(p[i])
                }
            } else {
                out.append(c)
            }
            i += 1
        }
        i += 1  // the tab (or one past the end)
        return missing ? nil : String(decoding: out, as: UTF8.self)
    }

    mutating func text() throws(FileSystemError) -> String {
        guard let s = try string() else { throw .protocolError("a required text field is missing") }
        return s
    }

    mutating func int<T: FixedWidthInteger>(_: T.Type = T.self) throws(FileSystemError) -> T {
        let s = try text()
        guard let v = T(s) else { throw .protocolError("'\(s.prefix(40))' is not a \(T.self)") }
        return v
    }

    mutating func bool() throws(FileSystemError) -> Bool {
        let s = try text()
        guard s == "0" || s == "1" else { throw .protocolError("'\(s.prefix(40))' is not a flag") }
        return s == "1"
    }
}
