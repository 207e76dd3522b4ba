/// The number of a page: byte offset / page size. A wrapper so that pages and
/// bytes cannot be mixed up.
public struct PageIndex: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64

    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static func < (a: PageIndex, b: PageIndex) -> Bool { a.rawValue < b.rawValue }

    /// The page `n` pages after (or before, when negative) this one.
    public func advanced(by n: Int64) -> PageIndex { PageIndex(rawValue + n) }

    public var description: String { "page \(rawValue)" }
}

/// How a source of `size` bytes is cut into pages of `pageSize` bytes.
public struct PageLayout: Sendable, Equatable {
    /// Bytes per page: a power of two.
    public let pageSize: Int
    /// Bytes in the source; the last page may be shorter than `pageSize`.
    public let sourceSize: Int64

    public init(pageSize: Int, sourceSize: Int64) {
        precondition(pageSize > 0 && pageSize & (pageSize - 1) == 0, "page size must be a power of two")
        precondition(sourceSize >= 0)
        self.pageSize = pageSize
        self.sourceSize = sourceSize
    }

    /// Pages that hold at least one byte of the source.
    /// (No `size + pageSize − 1`: that overflows for a size near Int64.max.)
    public var pageCount: Int64 { sourceSize / Int64(pageSize) + (sourceSize % Int64(pageSize) == 0 ? 0 : 1) }

    /// The page holding byte `offset` (which may lie past the end).
    public func page(containing offset: Int64) -> PageIndex { PageIndex(offset / Int64(pageSize)) }

    /// First byte of `page`.
    public func offset(of page: PageIndex) -> Int64 { page.rawValue * Int64(pageSize) }

    /// Bytes of the source in `page`: `pageSize`, fewer for the last page, 0 past the end.
    public func expectedLength(of page: PageIndex) -> Int {
        let start = offset(of: page)
        guard start < sourceSize, page.rawValue >= 0 else { return 0 }
        return Int(min(Int64(pageSize), sourceSize - start))
    }

    /// The pages overlapping `bytes`, clipped to the source. Empty when `bytes`
    /// is empty or lies past the end.
    public func pages(overlapping bytes: Range<Int64>) -> Range<Int64> {
        let lo = max(bytes.lowerBound, 0)
        let hi = min(bytes.upperBound, sourceSize)
        guard lo < hi else { return 0..<0 }
        return (lo / Int64(pageSize))..<((hi - 1) / Int64(pageSize) + 1)
    }
}
