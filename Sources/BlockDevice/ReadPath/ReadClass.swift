/// Why a read is wanted, which decides its place in the read path's queues.
///
/// A read of a higher class never waits behind a queued read of a lower one:
/// the page on screen first, then the pages ahead of the cursor, then work the
/// user is not watching byte by byte (hash, search, dump, maps).
public enum ReadClass: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Bytes on screen now (the viewer's visible pages, a structure probe the
    /// user is waiting for, patch's read-before-write and read-back).
    case visible = 0
    /// Pages the prefetcher expects the user to want next.
    case readahead = 1
    /// Batch work: hash, search, dump, owner maps.
    case background = 2

    public static func < (a: ReadClass, b: ReadClass) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .visible: "visible"
        case .readahead: "readahead"
        case .background: "background"
        }
    }

    /// One letter for narrow panels: `V`, `R`, `B`.
    public var letter: Character {
        switch self {
        case .visible: "V"
        case .readahead: "R"
        case .background: "B"
        }
    }
}

/// How many reads the read path lets through to the source at once.
public struct ReadLimits: Sendable, Equatable {
    /// Reads in flight at most (the source's own parallelism: engine slots,
    /// EWF decode workers). More would only queue inside the engine, where
    /// priorities no longer hold.
    public var total: Int
    /// Background reads in flight at most while the media is viewed
    /// interactively; all of `total` when nothing interactive runs.
    public var backgroundWhileInteractive: Int

    /// Background work gets a quarter of the slots (at least one) while a
    /// viewer is open.
    public init(total: Int, backgroundWhileInteractive: Int? = nil) {
        self.total = max(1, total)
        self.backgroundWhileInteractive = max(1, min(self.total, backgroundWhileInteractive ?? self.total / 4))
    }
}

/// What a source whose work is CPU (EWF decoding) needs to know of the read
/// it serves: a background read while a viewer is interactive decodes at idle
/// priority, so the screen goes first; otherwise (`hash` alone, the exit
/// pass) at normal priority, as fast as the cores allow.
enum ReadContext {
    @TaskLocal static var yieldsCPU = false
}
