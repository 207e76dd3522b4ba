/// The knobs of a `PageCache`.
public struct PageCacheConfiguration: Sendable, Equatable {
    /// Bytes per page: a power of two, at least the source's O_DIRECT
    /// alignment. Default 64 KiB.
    public var pageSize: Int
    /// Bytes of pages (loaded and in flight) the cache tries to stay under.
    /// Visible pages are kept even when they alone exceed it. Default 64 MiB.
    public var budgetBytes: Int
    /// Reads in flight at most; usually the engine's slots.
    public var maxInFlight: Int
    /// Readahead pages right after a jump or a change of direction.
    public var minReadaheadPages: Int
    /// Readahead pages at most, however long the user scrolls; clipped to half
    /// the budget.
    public var maxReadaheadPages: Int
    /// A failed page is read again automatically only when it comes back into
    /// view at least this long after it failed (an explicit retry is immediate).
    public var retryCooldownNanoseconds: UInt64

    public init(pageSize: Int = 64 << 10, budgetBytes: Int = 64 << 20, maxInFlight: Int = 8,
                minReadaheadPages: Int = 2, maxReadaheadPages: Int = 32,
                retryCooldownNanoseconds: UInt64 = 5_000_000_000) {
        self.pageSize = pageSize
        self.budgetBytes = budgetBytes
        self.maxInFlight = maxInFlight
        self.minReadaheadPages = minReadaheadPages
        self.maxReadaheadPages = maxReadaheadPages
        self.retryCooldownNanoseconds = retryCooldownNanoseconds
    }

    /// Pages the budget holds (at least one).
    public var budgetPages: Int { max(1, budgetBytes / pageSize) }

    /// The readahead cap actually used: never more than half the budget, so
    /// that readahead cannot evict what it just read.
    public var effectiveMaxReadahead: Int {
        max(minReadahead, min(maxReadaheadPages, budgetPages / 2))
    }

    var minReadahead: Int { max(0, min(minReadaheadPages, budgetPages / 2)) }

    /// Checks the values against the source's O_DIRECT offset alignment.
    public func validate(alignment: Int) throws(PageCacheError) {
        guard pageSize > 0, pageSize & (pageSize - 1) == 0 else {
            throw .invalidConfiguration("page size \(pageSize) B is not a power of two — use e.g. 65536")
        }
        guard pageSize >= alignment, pageSize % alignment == 0 else {
            throw .invalidConfiguration("page size \(pageSize) B is smaller than the source's \(alignment)-byte O_DIRECT alignment — use at least \(alignment)")
        }
        guard budgetBytes >= pageSize else {
            throw .invalidConfiguration("cache budget \(budgetBytes) B is smaller than one \(pageSize)-byte page")
        }
        guard maxInFlight > 0 else {
            throw .invalidConfiguration("at least one read must be allowed in flight (got \(maxInFlight))")
        }
        guard minReadaheadPages >= 0, maxReadaheadPages >= minReadaheadPages else {
            throw .invalidConfiguration("readahead window \(minReadaheadPages)…\(maxReadaheadPages) pages is not a range")
        }
    }
}

/// Why a cache could not be set up.
public enum PageCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// The driver was closed.
    case closed

    public var description: String {
        switch self {
        case let .invalidConfiguration(s): "invalid page cache configuration: \(s)"
        case .closed: "the page cache is closed"
        }
    }
}
