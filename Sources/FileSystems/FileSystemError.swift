/// Why a file-system request failed: one line each, naming the thing and the reason.
public enum FileSystemError: Error, Equatable, CustomStringConvertible {
    /// libtsk (in the worker) refused: no file system, a bad inode, an unreadable block…
    case library(String)
    /// The worker died (a crash inside libtsk on this evidence): the signal or exit status.
    case workerDied(String, during: String)
    /// No answer for the idle timeout: the worker was killed.
    case timedOut(seconds: Int, during: String)
    /// A walk stopped at a limit (entries, blocks, depth).
    case limit(String)
    /// The worker could not be started.
    case spawn(String)
    /// The worker said something this client cannot parse (a bug or a hostile value).
    case protocolError(String)
    /// A path that names nothing.
    case notFound(String)

    public var description: String {
        switch self {
        case let .library(m): m
        case let .workerDied(how, during): "the file-system worker died (\(how)) while \(during): libtsk failed on this evidence"
        case let .timedOut(s, during): "the file-system worker did not answer for \(s) s while \(during): stopped"
        case let .limit(m): m
        case let .spawn(m): "cannot start the file-system worker: \(m)"
        case let .protocolError(m): "the file-system worker sent something unreadable: \(m)"
        case let .notFound(p): "no file or directory named '\(p)'"
        }
    }
}

/// Limits on one request: every walk ends, whatever the evidence says.
public struct FSLimits: Sendable, Equatable {
    /// Entries a listing returns at most (a directory loop or an absurd count ends here).
    public var maxEntries: Int
    /// Blocks an owner map covers at most.
    public var maxBlocks: UInt64
    /// Seconds without a word from the worker before it is killed.
    public var idleTimeout: Int

    public init(maxEntries: Int = 20_000_000, maxBlocks: UInt64 = 1 << 32, idleTimeout: Int = 60) {
        self.maxEntries = maxEntries
        self.maxBlocks = maxBlocks
        self.idleTimeout = idleTimeout
    }
}

/// Which file system a session opens, and how its worker opens the media.
public struct FileSystemSpec: Sendable, Equatable {
    /// The media as the user named it (device, raw, first split segment, .E01).
    public var media: String
    /// Byte offset of the file system on the media (a partition's start).
    public var offset: Int64
    /// Extra arguments for the worker's media options (`--sector-size 4096`, `--engine threads`).
    public var sourceArguments: [String]
    /// The blkview executable to run as the worker.
    public var executable: String
    /// The read class of the worker's reads (`background` for batch work and maps).
    public var interactive: Bool
    /// The worker's nice value (0: as its parent's); above 0 every thread of
    /// the worker is also in the idle CPU class (`SCHED_IDLE`, see `IdleCPU`):
    /// background maps, so that a viewer on a machine with few cores keeps its frames.
    public var nice: Int32 = 0
    public var limits: FSLimits

    public init(media: String, offset: Int64 = 0, sourceArguments: [String] = [], executable: String = "/proc/self/exe",
                interactive: Bool = false, limits: FSLimits = FSLimits()) {
        self.media = media
        self.offset = offset
        self.sourceArguments = sourceArguments
        self.executable = executable
        self.interactive = interactive
        self.limits = limits
    }
}
