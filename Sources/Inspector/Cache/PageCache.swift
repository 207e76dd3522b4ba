import BlockDevice

/// The page cache as a pure state machine: it decides which pages to read,
/// in which order, and which to forget; it does no I/O and keeps no bytes.
///
/// Inputs: `show(_:now:)` (the view now shows these bytes), `moved(by:)` (the
/// user moved; optional, `show` infers it otherwise), `completed` and
/// `failed` (a read finished), `retry`. Each returns `PageCacheActions`: the
/// reads to issue now (at most `maxInFlight` in flight) and the pages whose
/// memory can go.
///
/// Rules:
/// - one read per page at a time, however often it is asked for;
/// - visible pages first, then the readahead window in the direction of
///   travel; the window doubles on each sequential move (up to a cap) and
///   falls back to its minimum on a jump or a change of direction;
/// - queued reads that left the wanted set are dropped before submission;
/// - pages (loaded + in flight) stay under the byte budget by evicting the
///   least recently used loaded page that is neither visible nor in flight
///   (nor, for a prefetch, in the readahead window); visible pages are read
///   even over budget;
/// - a failed page stays failed (unreadable, listed) until `retry`, or until
///   it comes back into view at least `retryCooldownNanoseconds` after it
///   failed. A page that stays in view is not retried behind the user's back.
public struct PageCache: Sendable {
    public let configuration: PageCacheConfiguration
    public let layout: PageLayout

    enum Slot: Sendable {
        case queued
        case inFlight(token: UInt64)
        case loaded(length: Int)
        case failed(message: String, at: UInt64)
    }

    private(set) var slots: [PageIndex: Slot] = [:]
    private var lru = LRUList<PageIndex>()
    /// Queued pages, highest priority first.
    private(set) var queue: [PageIndex] = []
    private var visibleBytes: Range<Int64>?
    private(set) var visiblePages: Range<Int64> = 0..<0
    private(set) var readaheadPages: Range<Int64> = 0..<0
    public private(set) var window: Int
    public private(set) var direction: TravelDirection = .forward
    /// Set by `moved(by:)` so that the next `show` does not count the move twice.
    private var moveAlreadyApplied = false
    private(set) var inFlightCount = 0
    private(set) var loadedCount = 0
    private var failedCount = 0
    private var nextToken: UInt64 = 1
    /// Reads in flight whose bytes were overwritten (`invalidate`) while
    /// they ran: their completion is stale, and the page is read again.
    private var staleTokens: Set<UInt64> = []
    public private(set) var counters = PageCacheCounters()

    /// A cache over `sourceSize` bytes. Validate `configuration` first
    /// (`PageCacheConfiguration.validate(alignment:)`).
    public init(configuration: PageCacheConfiguration, sourceSize: Int64) {
        self.configuration = configuration
        layout = PageLayout(pageSize: configuration.pageSize, sourceSize: sourceSize)
        window = configuration.minReadahead
    }

    // MARK: Inputs

    /// The user moved by `delta` bytes: sets the direction of travel and
    /// grows or collapses the readahead window. Takes effect at the next `show`.
    public mutating func moved(by delta: Int64) {
        applyMovement(delta)
        moveAlreadyApplied = true
    }

    /// The view now shows `bytes`. Returns the reads to issue (visible pages
    /// first) and evictions.
    public mutating func show(_ bytes: Range<Int64>, now: UInt64) -> PageCacheActions {
        if let previous = visibleBytes, !moveAlreadyApplied {
            applyMovement(bytes.lowerBound - previous.lowerBound)
        }
        moveAlreadyApplied = false
        let previousPages = visiblePages
        visibleBytes = bytes
        visiblePages = layout.pages(overlapping: bytes)

        // Hits and misses count page requests: a page that comes into view,
        // once, however many frames show it.
        for raw in visiblePages {
            let p = PageIndex(raw)
            let requested = !previousPages.contains(raw)
            switch slots[p] {
            case .loaded:
                if requested { counters.hits += 1 }
                lru.touch(p)
            case let .failed(_, at) where requested && now &- at >= configuration.retryCooldownNanoseconds:
                counters.misses += 1
                forget(p)  // back in view after the cool-down: read it again
            default:
                if requested { counters.misses += 1 }
            }
        }
        rebuildQueue()
        var actions = PageCacheActions()
        trim(&actions.evictions)
        issue(into: &actions)
        return actions
    }

    /// The read `token` of `page` returned `length` bytes.
    /// Returns false (and changes nothing) when the attempt is stale: the
    /// driver must then drop the buffer.
    public mutating func completed(_ page: PageIndex, token: UInt64, length: Int) -> (accepted: Bool, actions: PageCacheActions) {
        if staleTokens.contains(token) { return (false, rereadStale(page, token: token)) }
        guard case let .inFlight(t)? = slots[page], t == token else {
            counters.staleCompletions += 1
            return (false, PageCacheActions())
        }
        inFlightCount -= 1
        loadedCount += 1
        counters.readsCompleted += 1
        slots[page] = .loaded(length: max(0, min(length, layout.expectedLength(of: page))))
        lru.touch(page)
        var actions = PageCacheActions()
        trim(&actions.evictions)
        issue(into: &actions)
        return (true, actions)
    }

    /// The read `token` of `page` failed with `message` at time `now`.
    @discardableResult
    public mutating func failed(_ page: PageIndex, token: UInt64, message: String, now: UInt64) -> (accepted: Bool, actions: PageCacheActions) {
        if staleTokens.contains(token) { return (false, rereadStale(page, token: token)) }
        guard case let .inFlight(t)? = slots[page], t == token else {
            counters.staleCompletions += 1
            return (false, PageCacheActions())
        }
        inFlightCount -= 1
        failedCount += 1
        counters.readsFailed += 1
        slots[page] = .failed(message: message, at: now)
        var actions = PageCacheActions()
        issue(into: &actions)
        return (true, actions)
    }

    /// Forgets failures (and short pages) in `bytes`, or everywhere when nil,
    /// so that they are read again if wanted; reads visible ones now.
    public mutating func retry(_ bytes: Range<Int64>? = nil) -> PageCacheActions {
        var actions = PageCacheActions()
        let targets = slots.compactMap { page, slot -> PageIndex? in
            if let bytes {
                let start = layout.offset(of: page)
                guard start < bytes.upperBound, start + Int64(layout.pageSize) > bytes.lowerBound else { return nil }
            }
            switch slot {
            case .failed: return page
            case let .loaded(length) where length < layout.expectedLength(of: page): return page
            default: return nil
            }
        }
        for p in targets.sorted() {
            if case .loaded = slots[p] { actions.evictions.append(p) }
            forget(p)
        }
        rebuildQueue()
        issue(into: &actions)
        return actions
    }

    /// The bytes in `bytes` changed on the media (a committed write): pages
    /// read before are forgotten and read again if wanted; a read in flight
    /// over them is stale when it completes, and its page is read again.
    /// (The driver copies the new bytes into loaded pages instead, where it
    /// has them: see `PageCacheDriver.wrote`.)
    public mutating func invalidate(_ bytes: Range<Int64>) -> PageCacheActions {
        var actions = PageCacheActions()
        for raw in layout.pages(overlapping: bytes) {
            let p = PageIndex(raw)
            switch slots[p] {
            case let .inFlight(token)?:
                staleTokens.insert(token)
            case .loaded?, .failed?:
                if case .loaded? = slots[p] { actions.evictions.append(p) }
                forget(p)
            default:
                break
            }
        }
        rebuildQueue()
        issue(into: &actions)
        return actions
    }

    /// A stale read finished: its page is absent again and re-queued if wanted.
    private mutating func rereadStale(_ page: PageIndex, token: UInt64) -> PageCacheActions {
        staleTokens.remove(token)
        counters.staleCompletions += 1
        if case let .inFlight(t)? = slots[page], t == token {
            slots[page] = nil
            inFlightCount -= 1
        }
        var actions = PageCacheActions()
        rebuildQueue()
        issue(into: &actions)
        return actions
    }

    // MARK: Queries

    /// The state of `page`.
    public func state(of page: PageIndex) -> PageState {
        switch slots[page] {
        case nil: .absent
        case .queued: .queued
        case .inFlight: .inFlight
        case let .loaded(length): .loaded(length: length)
        case let .failed(message, _): .failed(message: message)
        }
    }

    /// Valid bytes of `page` when it is loaded, else nil. Cheap: for renderers.
    public func loadedLength(of page: PageIndex) -> Int? {
        if case let .loaded(length)? = slots[page] { return length }
        return nil
    }

    /// Bytes held by loaded pages and in-flight reads.
    public var bytesInUse: Int { (loadedCount + inFlightCount) * configuration.pageSize }

    /// Loaded pages from the least to the most recently used.
    public var pagesByRecency: [PageIndex] { lru.keysOldestFirst }

    public var statistics: PageCacheStatistics {
        PageCacheStatistics(counters: counters, bytesCached: bytesInUse, pagesLoaded: loadedCount,
                            pagesInFlight: inFlightCount, pagesQueued: queue.count, pagesFailed: failedCount,
                            readaheadPages: window, direction: direction)
    }

    // MARK: Machinery

    private mutating func applyMovement(_ delta: Int64) {
        guard delta != 0 else { return }
        let travel: TravelDirection = delta > 0 ? .forward : .backward
        let shown = Int64(visibleBytes?.count ?? 0)
        let reach = shown + Int64(window + 1) * Int64(layout.pageSize)
        let maxWindow = configuration.effectiveMaxReadahead
        if delta.magnitude > reach.magnitude {
            counters.jumps += 1
            window = configuration.minReadahead
        } else if travel == direction {
            window = min(maxWindow, max(1, window * 2))
        } else {
            window = configuration.minReadahead
        }
        direction = travel
    }

    /// Recomputes the wanted order; queued pages that fell out are dropped.
    private mutating func rebuildQueue() {
        var wanted: [PageIndex] = visiblePages.map(PageIndex.init)
        if visiblePages.isEmpty {
            readaheadPages = 0..<0
        } else if direction == .forward {
            let lo = visiblePages.upperBound
            readaheadPages = lo..<max(lo, min(lo + Int64(window), layout.pageCount))
            wanted += readaheadPages.map(PageIndex.init)
        } else {
            let hi = visiblePages.lowerBound
            readaheadPages = max(0, hi - Int64(window))..<hi
            wanted += readaheadPages.reversed().map(PageIndex.init)
        }
        var newQueue: [PageIndex] = []
        for p in wanted {
            switch slots[p] {
            case nil, .queued?:
                newQueue.append(p)
            case .loaded?:
                lru.touch(p)  // still wanted: keep it away from the eviction end
            default:
                break
            }
        }
        let keep = Set(newQueue)
        for p in queue where !keep.contains(p) {
            slots[p] = nil
            counters.droppedPrefetches += 1
        }
        for p in newQueue { slots[p] = .queued }
        queue = newQueue
    }

    /// Issues queued reads while slots and budget allow.
    private mutating func issue(into actions: inout PageCacheActions) {
        while inFlightCount < configuration.maxInFlight, let p = queue.first {
            let isVisible = visiblePages.contains(p.rawValue)
            guard makeRoom(forVisible: isVisible, evictions: &actions.evictions) else { break }
            queue.removeFirst()
            let token = nextToken
            nextToken += 1
            slots[p] = .inFlight(token: token)
            inFlightCount += 1
            counters.readsIssued += 1
            counters.bytesPeak = max(counters.bytesPeak, bytesInUse)
            actions.reads.append(PageRead(page: p, offset: layout.offset(of: p), length: layout.pageSize, token: token,
                                          readClass: isVisible ? .visible : .readahead))
        }
    }

    /// Evicts until one more page fits. A visible page goes ahead even when
    /// nothing can be evicted; a prefetch waits.
    private mutating func makeRoom(forVisible: Bool, evictions: inout [PageIndex]) -> Bool {
        while loadedCount + inFlightCount + 1 > configuration.budgetPages {
            guard let victim = evictionCandidate(sparingReadahead: !forVisible) else { return forVisible }
            evict(victim, into: &evictions)
        }
        return true
    }

    /// Evicts while over budget (after visible pages overflowed it).
    private mutating func trim(_ evictions: inout [PageIndex]) {
        while loadedCount + inFlightCount > configuration.budgetPages,
              let victim = evictionCandidate(sparingReadahead: true) {
            evict(victim, into: &evictions)
        }
    }

    private func evictionCandidate(sparingReadahead: Bool) -> PageIndex? {
        var k = lru.oldest
        while let p = k {
            let spared = visiblePages.contains(p.rawValue) || (sparingReadahead && readaheadPages.contains(p.rawValue))
            if !spared { return p }
            k = lru.newer(than: p)
        }
        return nil
    }

    private mutating func evict(_ page: PageIndex, into evictions: inout [PageIndex]) {
        forget(page)
        counters.evictions += 1
        evictions.append(page)
    }

    /// Makes `page` absent (it must not be in flight).
    private mutating func forget(_ page: PageIndex) {
        switch slots.removeValue(forKey: page) {
        case .loaded?:
            loadedCount -= 1
            lru.remove(page)
        case .failed?:
            failedCount -= 1
        case .queued?:
            queue.removeAll { $0 == page }
        case .inFlight?:
            preconditionFailure("forget(\(page)) while its read is in flight")
        case nil:
            break
        }
    }
}

extension PageCache {
    /// Stops wanting anything: the view is gone (closing). Queued reads are
    /// dropped; reads in flight still complete.
    public mutating func abandonQueue() {
        visibleBytes = nil
        visiblePages = 0..<0
        readaheadPages = 0..<0
        rebuildQueue()
    }
}
