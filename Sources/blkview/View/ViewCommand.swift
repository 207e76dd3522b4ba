import ArgumentParser
import BlockDevice
import Foundation
import Inspector
import LinuxAIO

struct ViewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Open a disk or image in the hex/block viewer (the default command).",
        discussion: "Keys follow less/vim habits; press ? in the viewer for all of them."
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String?

    @Flag(help: "Open the demo disk image shipped in Resources/.")
    var demo = false

    @OptionGroup var source: SourceOptions

    @OptionGroup var cacheSize: CacheOptions

    @Option(help: "Bytes per row: 8, 16 or 32 (default: 32 when the terminal is wide enough).")
    var width: Int?

    @Option(help: "At exit, write frame timings and cache figures (JSON) to this file.")
    var stats: String?

    @OptionGroup var writing: ViewWriteOptions

    @Flag(help: "Hash the media in the background while viewing (H H cancels it), and again at exit; report whether they agree.")
    var hash = false

    @Option(help: ArgumentHelp("Algorithms of --hash (comma-separated: md5, sha1, sha256).", valueName: "list"))
    var hashAlgorithms = "md5,sha1,sha256"

    @OptionGroup var forensic: ForensicOptions

    func validate() throws {
        if path == nil && !demo { throw ValidationError("give a PATH to open, or --demo") }
        if path != nil && demo { throw ValidationError("give either a PATH or --demo, not both") }
        if demo && writing.write { throw ValidationError("--write needs a PATH: the demo image is never written") }
        if let w = width, ![8, 16, 32].contains(w) { throw ValidationError("--width must be 8, 16 or 32 (got \(w))") }
        do { _ = try HashAlgorithm.parseList(hashAlgorithms) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        if writing.write { try forensic.refuseWrite("--write") }
        let target = demo ? try DemoImage.path() : path!
        try await forensic.session(evidence: [target]) { try await view(target, $0) }
    }

    private func view(_ target: String, _ forensicSession: ForensicSession?) async throws {
        let started = Entry.started
        let src: any BlockSource
        var writable: WritableMedia?
        if writing.write {
            let w = WritableMedia(try writing.openWritable(target, options: source.blockSourceOptions, forensic: forensic.forensic))
            src = w.writer
            writable = w
        } else {
            src = try source.open(target, forensic: forensic.forensic)
        }
        forensicSession?.opened(src)
        if src.geometry.size == 0 {
            await src.close()
            throw CLIError("\(target) is empty (0 bytes): nothing to show")
        }
        guard Terminal.isTTY(0) && Terminal.isTTY(1) else {
            await src.close()
            throw CLIError("the viewer needs a terminal; for scripts use info, dump, search, hash or bench")
        }
        // With --write, the patch's reads and the screen's share one read path.
        let reader = writable?.reader ?? MediaReader(src)
        var config = PageCacheDriver.defaultConfiguration(for: reader)
        config.pageSize = max(config.pageSize, cacheSize.pageSize.int)
        config.budgetBytes = cacheSize.cache.int
        let driver: PageCacheDriver
        do {
            driver = try PageCacheDriver(reader: reader, configuration: config)
        } catch {
            await reader.close()
            throw CLIError("cannot view \(target): \(error)")
        }
        // A verified write lands in the cached pages at once (no overlay).
        let patcher = writable.map { PatchSession(target: $0, journal: writing.journal) { [driver] bytes, at in driver.wrote(bytes, at: at) } }
        let wake = try WakePipe()
        let session = ViewerSession(cache: driver, patcher: patcher,
                                    files: FilesConfiguration(media: target, sourceArguments: source.workerArguments), wake: wake.signal)
        var summary = SourceSummary(path: target, size: src.geometry.size, sectorSize: src.geometry.logicalSectorSize,
                                    kind: src.kind.description, engine: reader.statistics().engine,
                                    access: forensic.forensic ? .forensic : writing.write ? .writable : .readOnly,
                                    evidence: src.evidence)
        if let writable { for level in SyncLevel.allCases { summary.syncWords[level] = writable.syncWords(level) } }
        var state = ViewerState(source: summary, width: 80, height: 24, bytesPerRow: width)
        state.sessionLogPath = forensicSession?.log.path
        if let note = src.engineNote { state.message = .init(text: note, role: .warning) }
        let hashing = hash ? ViewerHashing(reader: reader, algorithms: try HashAlgorithm.parseList(hashAlgorithms)) : nil
        state.background = hashing?.status
        let initial = state
        let wakeRead = wake.readFD
        let report: String
        do {
            report = try await withCheckedThrowingContinuation { (done: CheckedContinuation<String, any Error>) in
                // The UI runs on its own thread: ncurses blocks in poll(), which
                // must never happen on the cooperative pool the I/O tasks use.
                // NativeThread: a thread that cannot start is an error, not a hang.
                do {
                    try NativeThread.start(name: "blkview-ui") {
                        let frameStats = FrameStats(start: started)
                        ViewerLoop(session: session, state: initial, wakeRead: wakeRead, stats: frameStats).run()
                        done.resume(returning: frameStats.json(cache: driver.statistics()))
                    }
                    hashing?.start(wake: wake.signal)
                } catch {
                    done.resume(throwing: error)
                }
            }
        } catch {
            await session.close()
            wake.close()
            throw CLIError("cannot start the viewer: \(error)")
        }
        await hashing?.finish(session: forensicSession)
        for f in driver.failedRanges() {
            forensicSession?.readError(offset: f.range.lowerBound, length: Int(f.range.count), message: f.message)
        }
        await session.close()
        wake.close()
        if let stats {
            try report.write(toFile: stats, atomically: true, encoding: .utf8)
        }
    }
}
