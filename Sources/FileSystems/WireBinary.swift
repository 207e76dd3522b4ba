/// The binary half of the pipe format: entries and owner-map extents, the
/// frames that come by the hundred thousand, are little-endian integers and
/// length-prefixed strings (a `UInt32` length, `0xFFFF_FFFF` for a missing
/// string), written without formatting and read without a copy per field.
/// The reader checks every length against the frame: a truncated frame or an
/// absurd count is a `protocolError`, never a trap.
extension FrameWriter {
    mutating func u8(_ v: UInt8) { appendByte(v) }

    mutating func le<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { raw($0) }
    }

    /// Fixed-width fields packed in place and appended at once (an entry's
    /// 24 integers are one append, not 24: the walk's thread writes 100,000
    /// of them). At most `capacity` bytes; a field past it is dropped and the
    /// frame then reads as truncated (our own code's mistake, never a trap).
    mutating func packed(capacity: Int, _ body: (inout Packer) -> Void) {
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 8) { buffer in
            var packer = Packer(base: buffer.baseAddress!, capacity: capacity)
            body(&packer)
            raw(UnsafeRawBufferPointer(start: buffer.baseAddress, count: packer.count))
        }
    }

    /// A length-prefixed string from a C string (nil: missing).
    mutating func blob(cString p: UnsafePointer<CChar>?) {
        guard let p else { le(UInt32.max); return }
        let n = strlenBounded(p)
        le(UInt32(n))
        raw(UnsafeRawBufferPointer(start: UnsafeRawPointer(p), count: n))
    }

    /// A length-prefixed string (nil: missing).
    mutating func blob(_ s: String?) {
        guard var s else { le(UInt32.max); return }
        s.withUTF8 { u in
            let n = min(u.count, Wire.maxString)
            le(UInt32(n))
            raw(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(u)[0..<n]))
        }
    }

    /// Bytes before the terminating zero, at most `Wire.maxString`.
    private func strlenBounded(_ p: UnsafePointer<CChar>) -> Int {
        var n = 0
        while n < Wire.maxString, p[n] != 0 { n += 1 }
        return n
    }
}

/// Little-endian integers stored one after another into a fixed buffer
/// (`FrameWriter.packed`).
struct Packer {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private(set) var count = 0

    init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    mutating func u8(_ v: UInt8) { le(v) }

    @inline(__always)
    mutating func le<T: FixedWidthInteger>(_ v: T) {
        let n = MemoryLayout<T>.size
        guard capacity - count >= n else { return }
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: T.self)
        count += n
    }
}

extension Wire {
    /// A string field longer than this is a protocol error (no path is this long).
    static let maxString = 1 << 16
}

/// Reads a binary payload; every read checks the bytes left.
struct BinaryReader {
    let p: UnsafeRawBufferPointer
    private(set) var i = 0

    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    var remaining: Int { p.count - i }

    mutating func u8() throws(FileSystemError) -> UInt8 {
        guard i < p.count else { throw .protocolError("a frame ends early") }
        defer { i += 1 }
        return p[i]
    }

    mutating func le<T: FixedWidthInteger>(_: T.Type = T.self) throws(FileSystemError) -> T {
        let n = MemoryLayout<T>.size
        guard p.count - i >= n else { throw .protocolError("a frame ends early") }
        defer { i += n }
        return T(littleEndian: p.loadUnaligned(fromByteOffset: i, as: T.self))
    }

    /// A length-prefixed string's bytes (nil: missing).
    mutating func blob() throws(FileSystemError) -> UnsafeRawBufferPointer? {
        let n = try le(UInt32.self)
        if n == .max { return nil }
        guard n <= UInt32(Wire.maxString) else { throw .protocolError("a \(n)-byte string") }
        guard p.count - i >= Int(n) else { throw .protocolError("a string runs past its frame (\(n) bytes, \(p.count - i) left)") }
        defer { i += Int(n) }
        return UnsafeRawBufferPointer(rebasing: p[i..<(i + Int(n))])
    }

    /// The frame must end here.
    func end() throws(FileSystemError) {
        guard i == p.count else { throw .protocolError("\(p.count - i) bytes past a frame's fields") }
    }
}
