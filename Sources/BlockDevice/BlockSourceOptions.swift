import LinuxAIO

/// How to open a source. There is no "writable" switch: writing needs a
/// `WritePermit` and `BlockSources.openWritable`.
public struct BlockSourceOptions: Sendable, Equatable {
    /// `--engine`: native AIO (with `.auto`, when `io_setup` will succeed) or threads.
    /// Files that cannot do O_DIRECT (tmpfs, FUSE) and EWF sets always use threads.
    public var engine: EngineChoice
    /// Submission slots of the engine (requests in flight at most).
    public var slots: Int
    /// `--sector-size`: overrides the logical sector size (a power of two,
    /// 512…65536). Nil: the device's, the EWF header's, else 512.
    public var sectorSize: Int?
    /// `--forensic`: a server blkview starts for a VM image (qemu-nbd) opens
    /// it without image locks too.
    public var forensic: Bool

    public init(engine: EngineChoice = .auto, slots: Int = 32, sectorSize: Int? = nil, forensic: Bool = false) {
        self.engine = engine
        self.slots = slots
        self.sectorSize = sectorSize
        self.forensic = forensic
    }

    /// Checks the ranges; the error names `path` so that it reads as one line.
    func validate(path: String) throws(BlockSourceError) {
        if slots < 1 || slots > 4096 {
            throw BlockSourceError(path: path, reason: .invalidOption("--slots must be between 1 and 4096, not \(slots)"))
        }
        if let s = sectorSize, s < 512 || s > 65536 || s & (s - 1) != 0 {
            throw BlockSourceError(path: path, reason: .invalidOption(
                "--sector-size must be a power of two from 512 to 65536, not \(s)"))
        }
    }
}
