import BlockDevice
import LinuxAIO

/// The cache's figures for the status bar.
public struct CacheSummary: Equatable, Sendable {
    public var hitRate: Double?
    public var cachedBytes: Int64
    public var pagesInFlight: Int
    public var unreadableRanges: Int

    public init(hitRate: Double? = nil, cachedBytes: Int64 = 0, pagesInFlight: Int = 0, unreadableRanges: Int = 0) {
        self.hitRate = hitRate
        self.cachedBytes = cachedBytes
        self.pagesInFlight = pagesInFlight
        self.unreadableRanges = unreadableRanges
    }
}

/// A patch write as the journal panel shows it.
public struct JournalLine: Equatable, Sendable {
    public enum State: String, Sendable { case queued, inFlight = "in flight", written, verified, failed }
    public var offset: Int64
    public var length: Int
    public var sync: SyncLevel
    public var state: State
    public var latencyMicroseconds: Double?
    public var note: String?

    public init(offset: Int64, length: Int, sync: SyncLevel, state: State, latencyMicroseconds: Double? = nil, note: String? = nil) {
        self.offset = offset
        self.length = length
        self.sync = sync
        self.state = state
        self.latencyMicroseconds = latencyMicroseconds
        self.note = note
    }
}

/// Mean completion latency over one sampling interval (for the sparkline).
public struct LatencySample: Equatable, Sendable {
    public var completions: Int
    public var meanMicroseconds: Double
    public init(completions: Int, meanMicroseconds: Double) {
        self.completions = completions
        self.meanMicroseconds = meanMicroseconds
    }
}

/// Everything a frame draws besides the state, taken once per frame: panels
/// draw from snapshots only, never from live objects.
public struct FrameSnapshot: Sendable {
    /// Cells of `state.visibleRange`, in order.
    public var cells: [ByteCell]
    /// The engine's figures: what the panels show of writes and syncs.
    public var io: IOStatistics?
    /// The read path's figures: every read of every source, per class.
    public var reads: ReadPathStatistics?
    public var cache: CacheSummary
    public var journal: [JournalLine]
    public var latencyHistory: [LatencySample]
    /// The 16 bytes from the cursor, for the data inspector (empty when it is closed).
    public var cursorCells: [ByteCell] = []

    public init(cells: [ByteCell], io: IOStatistics? = nil, reads: ReadPathStatistics? = nil, cache: CacheSummary = CacheSummary(),
                journal: [JournalLine] = [], latencyHistory: [LatencySample] = [], cursorCells: [ByteCell] = []) {
        self.cursorCells = cursorCells
        self.cells = cells
        self.io = io
        self.reads = reads
        self.cache = cache
        self.journal = journal
        self.latencyHistory = latencyHistory
    }
}
