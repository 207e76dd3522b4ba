import BlockDevice

/// Where one page stands in the cache.
public enum PageState: Sendable, Equatable {
    /// Not in memory and not wanted.
    case absent
    /// Wanted (visible or readahead) but not yet given to the engine.
    case queued
    /// A read is in flight.
    case inFlight
    /// In memory: `length` valid bytes from the page's start (fewer than the
    /// page size for the last page, or when the media returned a short read).
    case loaded(length: Int)
    /// The read failed; the page reads as unreadable until retried.
    case failed(message: String)
}

/// Which way the user is travelling through the source.
public enum TravelDirection: Sendable, Equatable {
    case forward
    case backward
}

/// A read the driver must issue: `length` bytes at `offset` for `page`.
/// `token` identifies this attempt; a completion with another token is stale.
public struct PageRead: Sendable, Equatable {
    public let page: PageIndex
    public let offset: Int64
    /// Always the full page size (O_DIRECT lengths must stay aligned); the
    /// source returns a short count for the last page.
    public let length: Int
    public let token: UInt64
    /// `.visible` for a page on screen when the read was issued, else
    /// `.readahead`: the read path serves it in that order.
    public let readClass: ReadClass
}

/// What the cache asks of its driver after an input.
public struct PageCacheActions: Sendable, Equatable {
    /// Reads to issue now, highest priority first.
    public var reads: [PageRead] = []
    /// Pages whose memory can be released.
    public var evictions: [PageIndex] = []

    public init(reads: [PageRead] = [], evictions: [PageIndex] = []) {
        self.reads = reads
        self.evictions = evictions
    }

    public var isEmpty: Bool { reads.isEmpty && evictions.isEmpty }
}

/// A byte range that could not be read, and why.
public struct FailedRange: Sendable, Equatable, CustomStringConvertible {
    public var range: Range<Int64>
    public var message: String

    public init(range: Range<Int64>, message: String) {
        self.range = range
        self.message = message
    }

    public var description: String {
        "0x\(String(range.lowerBound, radix: 16))–0x\(String(range.upperBound, radix: 16)) (\(range.count) B): \(message)"
    }
}

/// Counters for the status bar and the benchmarks.
public struct PageCacheCounters: Sendable, Equatable {
    /// Visible pages found in memory when a view was shown.
    public var hits: Int = 0
    /// Visible pages not in memory when a view was shown.
    public var misses: Int = 0
    public var readsIssued: Int = 0
    public var readsCompleted: Int = 0
    public var readsFailed: Int = 0
    /// Completions for attempts the cache no longer waited for (dropped).
    public var staleCompletions: Int = 0
    /// Queued reads dropped before submission because the view moved away.
    public var droppedPrefetches: Int = 0
    public var evictions: Int = 0
    /// Moves classified as jumps (readahead collapsed).
    public var jumps: Int = 0
    /// Highest bytes held by pages (loaded and in flight) so far.
    public var bytesPeak: Int = 0

    public init() {}

    /// hits / (hits + misses), 1 when nothing was looked up yet.
    public var hitRate: Double {
        hits + misses == 0 ? 1 : Double(hits) / Double(hits + misses)
    }
}

/// A snapshot of the cache for the status bar.
public struct PageCacheStatistics: Sendable, Equatable {
    public var counters: PageCacheCounters
    /// Bytes held by loaded pages and in-flight reads.
    public var bytesCached: Int
    public var pagesLoaded: Int
    public var pagesInFlight: Int
    public var pagesQueued: Int
    /// Pages that failed and have not been retried.
    public var pagesFailed: Int
    /// Current readahead window, in pages, and its direction.
    public var readaheadPages: Int
    public var direction: TravelDirection

    public var hitRate: Double { counters.hitRate }
}
