// The parsers' view of a ByteSource: bounded reads that remember what was missing.

/// Reads through a ``ByteSource`` with every bound checked, and records the
/// ranges the source could not supply so the caller can fetch them.
struct Reader {
    /// Largest single read a parser may ask for; protects against absurd sizes.
    static let maxRead = 4 << 20

    let source: any ByteSource
    private(set) var missing: [ByteRange] = []

    init(_ source: any ByteSource) { self.source = source }

    /// Device size in bytes (never negative).
    var size: Int64 { max(0, source.size) }

    /// Up to `count` bytes at `offset`, shortened at the end of the device;
    /// `nil` (and the range recorded as missing) when the source lacks them.
    mutating func read(_ offset: Int64, _ count: Int) -> Bytes? {
        guard offset >= 0, count > 0, count <= Self.maxRead, offset < size else { return nil }
        let available = Int(min(Int64(count), size - offset))
        if let bytes = source.bytes(at: offset, count: available), bytes.count == available {
            return Bytes(bytes)
        }
        let range = ByteRange(offset: offset, length: Int64(available))
        if !missing.contains(range) { missing.append(range) }
        return nil
    }
}
