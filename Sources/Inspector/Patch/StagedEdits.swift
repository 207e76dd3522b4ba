/// One staged byte: the bits of `value` selected by `mask` replace the
/// media's (`0xF0` after typing a high nibble only, `0xFF` for a whole byte).
/// A half-typed byte needs no knowledge of the media's byte: the enclosing
/// sector is read when the patch is written, and the mask applied to it.
public struct StagedByte: Equatable, Sendable {
    public var value: UInt8
    public var mask: UInt8

    public init(value: UInt8, mask: UInt8 = 0xFF) {
        self.value = value
        self.mask = mask
    }

    /// The byte that results from staging this over `original`.
    public func apply(to original: UInt8) -> UInt8 { (original & ~mask) | (value & mask) }
}

/// A contiguous run of staged bytes.
public struct PatchRun: Equatable, Sendable {
    public var offset: Int64
    public var bytes: [StagedByte]

    public init(offset: Int64, bytes: [StagedByte]) {
        self.offset = offset
        self.bytes = bytes
    }

    /// Whole bytes (the `patch` command's `--hex` / `--from`).
    public init(offset: Int64, replacing data: [UInt8]) {
        self.init(offset: offset, bytes: data.map { StagedByte(value: $0) })
    }

    public var range: Range<Int64> { offset..<(offset + Int64(bytes.count)) }

    /// Parses `de ad be ef`, `deadbeef`, `0xde,0xad`: pairs of hex digits;
    /// spaces, commas, colons and `0x` prefixes are separators. Nil when the
    /// text is empty, has a non-hex character or an odd number of digits.
    public static func parseHex(_ text: String) -> [UInt8]? {
        var digits: [UInt8] = []
        var chars = Array(text.lowercased())
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "0", i + 1 < chars.count, chars[i + 1] == "x", (i + 2 < chars.count && chars[i + 2].isHexDigit) {
                chars[i + 1] = " "
                i += 2
                continue
            }
            if c == " " || c == "," || c == ":" || c == "\t" { i += 1; continue }
            guard let v = c.hexDigitValue else { return nil }
            digits.append(UInt8(v))
            i += 1
        }
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}

/// The document's staged changes: what edit mode typed and the disk has not
/// seen. Pure; every change can be undone, last first.
public struct StagedEdits: Equatable, Sendable {
    public private(set) var bytes: [Int64: StagedByte] = [:]
    private var history: [Change] = []

    private struct Change: Equatable, Sendable {
        var offset: Int64
        var previous: StagedByte?
    }

    public init() {}

    /// Staged bytes (a half-typed byte counts).
    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.isEmpty }

    public func staged(at offset: Int64) -> StagedByte? { bytes[offset] }

    /// Stages the high (`high == true`) or low nibble of the byte at `offset`.
    public mutating func setNibble(at offset: Int64, high: Bool, to nibble: UInt8) {
        var b = bytes[offset] ?? StagedByte(value: 0, mask: 0)
        let bits: UInt8 = high ? 0xF0 : 0x0F
        b.value = (b.value & ~bits) | ((high ? nibble << 4 : nibble & 0x0F) & bits)
        b.mask |= bits
        record(offset, b)
    }

    /// Stages the whole byte at `offset`.
    public mutating func setByte(at offset: Int64, to value: UInt8) {
        record(offset, StagedByte(value: value))
    }

    private mutating func record(_ offset: Int64, _ b: StagedByte) {
        history.append(Change(offset: offset, previous: bytes[offset]))
        bytes[offset] = b
    }

    /// Undoes the last change; returns its offset, or nil when nothing is staged.
    public mutating func undo() -> Int64? {
        guard let c = history.popLast() else { return nil }
        bytes[c.offset] = c.previous
        return c.offset
    }

    /// Drops the staged bytes in `range` (written to the disk) and their history.
    public mutating func remove(_ range: Range<Int64>) {
        for o in range { bytes[o] = nil }
        history.removeAll { range.contains($0.offset) }
    }

    /// Contiguous runs of staged bytes, in offset order.
    public var runs: [PatchRun] {
        var out: [PatchRun] = []
        for o in bytes.keys.sorted() {
            if let last = out.last, last.range.upperBound == o {
                out[out.count - 1].bytes.append(bytes[o]!)
            } else {
                out.append(PatchRun(offset: o, bytes: [bytes[o]!]))
            }
        }
        return out
    }
}
