internal import CByteSearch

/// Finds every occurrence of a pattern in a stream of contiguous pieces,
/// including occurrences that straddle pieces and overlapping ones: every
/// start offset is reported (`aa` in `aaaa` is at 0, 1 and 2), unlike
/// `grep -ob`, which reports non-overlapping matches.
///
/// Between pieces it keeps the last `m - 1` bytes (`carry`); an occurrence
/// that starts in the carry is found in a small window (carry + the first
/// `m - 1` bytes of the next piece), the others with a memchr-driven search
/// (`RareByteFinder`) in the piece itself: the piece is never copied. A pattern longer than a piece works.
public struct MatchScanner {
    public let pattern: [UInt8]
    private let finder: RareByteFinder
    private var carry: [UInt8] = []
    /// File offset just past the last byte fed (where the next piece starts).
    public private(set) var position: Int64 = 0

    public init(pattern: [UInt8]) {
        precondition(!pattern.isEmpty, "empty pattern")
        self.pattern = pattern
        finder = RareByteFinder(pattern: pattern)
    }

    /// Starts a new, non-contiguous range at `offset` (forgets the carry).
    public mutating func reset(at offset: Int64) {
        carry.removeAll(keepingCapacity: true)
        position = offset
    }

    /// Scans `bytes`, which follow the bytes fed before (or start the range
    /// given to `reset`). `onMatch` gets each start offset in increasing
    /// order; it returns false to stop (then `scan` returns false too).
    @discardableResult
    public mutating func scan(_ bytes: UnsafeRawBufferPointer, onMatch: (Int64) -> Bool) -> Bool {
        let m = pattern.count
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return true }
        let pieceStart = position
        position += Int64(n)
        if !carry.isEmpty {
            // Occurrences starting in the carry: search carry + head of piece.
            let c = carry.count
            var window = carry
            window.append(contentsOf: UnsafeRawBufferPointer(start: base, count: min(n, m - 1)))
            var ok = true
            let windowStart = pieceStart - Int64(c)
            Self.each(pattern, in: window, limit: c) { i in
                ok = onMatch(windowStart + Int64(i))
                return ok
            }
            if !ok { return false }
            // New carry: the last m-1 bytes of carry + piece.
            if n < m - 1 {
                carry = Array(window.suffix(m - 1))
            }
        }
        if n >= m - 1 || carry.isEmpty {
            carry.removeAll(keepingCapacity: true)
            carry.append(contentsOf: UnsafeRawBufferPointer(start: base + (n - min(n, m - 1)), count: min(n, m - 1)))
        }
        // Occurrences wholly inside the piece.
        var from = 0
        while let i = finder.first(in: base, count: n, from: from) {
            if !onMatch(pieceStart + Int64(i)) { return false }
            from = i + 1
        }
        return true
    }

    /// Every start index `< limit` of `p` in `w` (the whole match inside `w`).
    static func each(_ p: [UInt8], in w: [UInt8], limit: Int, _ body: (Int) -> Bool) {
        w.withUnsafeBytes { wb in
            p.withUnsafeBytes { pb in
                var from = 0
                while from < limit, wb.count - from >= p.count {
                    guard let hit = cbs_memmem(wb.baseAddress! + from, wb.count - from, pb.baseAddress!, p.count) else { return }
                    let i = hit - wb.baseAddress!
                    if i >= limit || !body(i) { return }
                    from = i + 1
                }
            }
        }
    }
}
