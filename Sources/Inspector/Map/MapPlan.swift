/// How an overview map divides a byte range into cells: cell `i` covers
/// `[lo + ⌊i·L/N⌋, lo + ⌊(i+1)·L/N⌋)` of a range of `L` bytes split into `N`
/// cells, so every byte belongs to exactly one cell and the cells differ in
/// length by at most one byte. The arithmetic is done in 128 bits: a 16 TiB
/// range split into any number of cells never overflows.
public struct MapPlan: Equatable, Sendable {
    /// The bytes mapped: the whole media or one partition.
    public let range: Range<Int64>
    /// Cells (at least 1, at most the range's length).
    public let cellCount: Int

    /// - Parameters:
    ///   - range: must not be empty (an empty range gets one empty cell).
    ///   - cells: clamped to `1...range.count`.
    public init(range: Range<Int64>, cells: Int) {
        self.range = range
        let length = range.upperBound - range.lowerBound
        cellCount = max(1, Int(min(Int64(max(1, cells)), max(1, length))))
    }

    /// A plan for the viewer: one cell per 4 KiB block, at most `maxCells`.
    public static func fine(range: Range<Int64>, maxCells: Int = 8192) -> MapPlan {
        let length = range.upperBound - range.lowerBound
        let blocks = length / 4096 + (length % 4096 == 0 ? 0 : 1)
        return MapPlan(range: range, cells: Int(min(Int64(maxCells), max(1, blocks))))
    }

    public var length: Int64 { range.upperBound - range.lowerBound }

    /// Offset (absolute) where cell `i` starts; `i == cellCount` gives the range's end.
    public func start(_ i: Int) -> Int64 {
        let n = UInt64(cellCount)
        let l = UInt64(length)
        let (hi, lo) = UInt64(max(0, min(i, cellCount))).multipliedFullWidth(by: l)
        // hi < n because i ≤ n: the quotient fits in 64 bits.
        let q = n.dividingFullWidth((high: hi, low: lo)).quotient
        return range.lowerBound + Int64(q)
    }

    /// The bytes of cell `i`.
    public func cell(_ i: Int) -> Range<Int64> { start(i)..<start(i + 1) }

    /// The cell holding `offset`, or nil outside the range.
    public func index(of offset: Int64) -> Int? {
        guard range.contains(offset) else { return nil }
        let x = UInt64(offset - range.lowerBound)
        let (hi, lo) = x.multipliedFullWidth(by: UInt64(cellCount))
        // x < L: the quotient is below N.
        var i = Int(UInt64(length).dividingFullWidth((high: hi, low: lo)).quotient)
        // ⌊x·N/L⌋ is the cell or one past it; settle on the cell by its bounds.
        while i > 0 && start(i) > offset { i -= 1 }
        while i + 1 < cellCount && start(i + 1) <= offset { i += 1 }
        return i
    }

    /// Cells `first..<last` of a coarser division: coarse cell `j` of `groups`
    /// covers these cells (for a panel that shows fewer cells than the plan).
    public func group(_ j: Int, of groups: Int) -> Range<Int> {
        let g = max(1, min(groups, cellCount))
        func edge(_ k: Int) -> Int {
            let (hi, lo) = UInt64(max(0, min(k, g))).multipliedFullWidth(by: UInt64(cellCount))
            return Int(UInt64(g).dividingFullWidth((high: hi, low: lo)).quotient)
        }
        return edge(j)..<edge(j + 1)
    }
}
