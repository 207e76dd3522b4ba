import LinuxAIO

/// What a source made of parts tells the read path: how many reads it can
/// serve at once and where a range lives (for the in-flight panel).
protocol ReadPathSource: BlockSource {
    /// Reads the source serves in parallel (EWF: decode workers).
    var readConcurrency: Int { get }
    /// `disk.002 +0x1f000`, `EWF chunk 1234`; nil when there is nothing to add.
    func describe(offset: Int64, length: Int) -> String?
    /// What the status bar calls the engine, as it is: `ewf ×2 decoders (pread)`.
    var partsEngineLabel: String { get }
}

/// The one read path: every consumer of a media's bytes — the viewer's page
/// cache, search, dump, hash, the structure probes, patch and undo — reads
/// through a `MediaReader`, with a `ReadClass`.
///
/// It sits in front of the source (raw file or device over AioContext or
/// threads, split raw, EWF) and decides the order: priority queues per class,
/// at most `limits.total` reads in flight (the source's parallelism, so the
/// engine's own FIFO never holds a visible read behind readahead), background
/// work capped while a viewer is interactive, and a queued read dropped the
/// moment its task is cancelled. It keeps the in-flight table and latency per
/// class for every source, so the panels show EWF and split reads like any
/// others.
///
/// A read returns the bytes read (fewer only at the end of the media) or an
/// error for exactly its range.
public final class MediaReader: Sendable {
    /// The source behind the path (geometry, kind, files, evidence metadata).
    public let source: any BlockSource
    private let scheduler: ReadScheduler
    private let engineLabel: String
    private let parts: (any ReadPathSource)?
    private let warm: WarmReads?

    /// - Parameters:
    ///   - limits: defaults to the source's parallelism, background capped
    ///     at a quarter while interactive.
    ///   - residentReads: serve ranges the kernel's page cache holds with a
    ///     memory copy (`readResident`) for an image file, instead of an
    ///     O_DIRECT read that would go to the disk again (batch passes over
    ///     warm files: hash, dump, search).
    public init(_ source: any BlockSource, limits: ReadLimits? = nil, residentReads: Bool = false) {
        self.source = source
        parts = source as? any ReadPathSource
        warm = residentReads ? source.warmReads() : nil
        let total = parts?.readConcurrency ?? source.engine.slots
        scheduler = ReadScheduler(limits: limits ?? ReadLimits(total: total))
        engineLabel = source.engineLabel
    }

    public var geometry: Geometry { source.geometry }
    public var path: String { source.path }
    public var limits: ReadLimits { scheduler.limits }

    /// Reads `length` bytes at `offset` into the start of `buffer`, after the
    /// reads of higher classes queued before it.
    ///
    /// Offsets and lengths follow `geometry.alignment` as the source requires.
    /// - Returns: bytes read; fewer than `length` only at the end of the media.
    /// - Throws: the source's `IOError` for this range; `CancellationError`
    ///   if the task was cancelled while queued; `EngineError.shutDown` after
    ///   `close()`.
    public func read(at offset: Int64, into buffer: AlignedBuffer, length: Int, as readClass: ReadClass) async throws -> Int {
        let ticket = try await scheduler.acquire(readClass, offset: offset, length: length,
                                                 detail: parts?.describe(offset: offset, length: length))
        do {
            let yields = readClass == .background && scheduler.isInteractive
            let n = try await ReadContext.$yieldsCPU.withValue(yields) {
                try await source.read(at: offset, into: buffer, length: length)
            }
            scheduler.release(ticket, bytes: n, failed: false)
            return n
        } catch {
            scheduler.release(ticket, bytes: 0, failed: true)
            throw error
        }
    }

    /// True while a viewer shows this media: background reads then use at
    /// most `limits.backgroundWhileInteractive` slots.
    public func setInteractive(_ on: Bool) { scheduler.setInteractive(on) }

    /// The in-flight table and per-class counters and latency, as of now.
    public func statistics() -> ReadPathStatistics { scheduler.snapshot(engine: engineLabel) }

    /// Whether ranges the kernel's page cache holds are copied from it
    /// (`residentReads` at init, on an image file where mincore tells the truth).
    public var residentReads: Bool { warm != nil }

    /// True when resident reads are on and every page of the range is in
    /// the kernel's page cache (mincore, where it tells the truth).
    public func isResident(offset: Int64, length: Int) -> Bool {
        warm?.isResident(offset: offset, length: length) ?? false
    }

    /// Copies `length` bytes at `offset` from the kernel's page cache (a
    /// buffered pread of a resident range: no disk I/O, no slot, no queue),
    /// on the calling thread; counted in `readClass`'s resident figures.
    /// Call it for ranges `isResident` said yes to; without resident reads,
    /// it falls back to nothing and returns 0.
    public func readResident(at offset: Int64, into buffer: AlignedBuffer, length: Int, as readClass: ReadClass) throws -> Int {
        guard let warm else { return 0 }
        let n = try warm.read(at: offset, into: buffer, length: length)
        scheduler.recordResident(readClass, bytes: n)
        return n
    }

    /// Copies `length` bytes at `offset` into `dst` (any address, no bounce
    /// buffer) when the kernel's page cache holds all of them, on the calling
    /// thread, without disk I/O (`WarmReads.copyCached`); counted in
    /// `readClass`'s resident figures. The count (short only at the end of
    /// the media); 0 without resident reads or when a page is not cached.
    public func copyResident(at offset: Int64, into dst: UnsafeMutableRawPointer, length: Int, as readClass: ReadClass) -> Int {
        guard let warm else { return 0 }
        let n = warm.copyCached(at: offset, into: dst, length: length)
        if n > 0 { scheduler.recordResident(readClass, bytes: n) }
        return n
    }

    /// Fails queued reads, then waits for those in flight and closes the source.
    public func close() async {
        scheduler.close()
        await source.close()
    }
}
