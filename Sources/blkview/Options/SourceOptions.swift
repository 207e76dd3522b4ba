import ArgumentParser
import BlockDevice
import Inspector
import LinuxAIO

/// Options every command that opens media shares.
struct SourceOptions: ParsableArguments {
    init() {}

    init(slots: Int, engine: EngineChoice, sectorSize: Int?) {
        self.slots = slots
        self.engine = engine
        self.sectorSize = sectorSize
    }

    @Option(help: "AioContext submission slots (requests in flight at most).")
    var slots: Int = 32

    @Option(help: "I/O engine.")
    var engine: EngineChoice = .auto

    @Option(help: "Logical sector size for LBAs (default: the device's, else 512).")
    var sectorSize: Int?

    func validate() throws {
        try Self.validateSlots(slots)
    }

    /// The one rule for `--slots` (shared with `bench`, which has its own default).
    static func validateSlots(_ slots: Int) throws {
        guard (1...4096).contains(slots) else { throw ValidationError("--slots must be 1 to 4096 (got \(slots))") }
    }

    var blockSourceOptions: BlockSourceOptions {
        BlockSourceOptions(engine: engine, slots: slots, sectorSize: sectorSize)
    }

    /// Opens `path` read-only; a failure is the one-line message. Under
    /// `forensic`, a server blkview starts for a VM image takes no image locks.
    func open(_ path: String, forensic: Bool = false) throws -> any BlockSource {
        var options = blockSourceOptions
        options.forensic = forensic
        do {
            return try BlockSources.open(path: path, options: options)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Opens `path` read-only for a batch command and has `session` (under
    /// --forensic) record it; a failure is one `Error:` line and `status`.
    func open(_ path: String, recordingIn session: ForensicSession?, failureStatus status: Int32) throws -> any BlockSource {
        let src: any BlockSource
        do { src = try open(path, forensic: session != nil) } catch { throw failure("\(error)", status: status) }
        session?.opened(src)
        return src
    }
}
