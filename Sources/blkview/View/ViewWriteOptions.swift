import ArgumentParser
import BlockDevice
import Inspector

/// The viewer's writing options: without `--write` the media is opened
/// read-only and no code path can open it writable.
struct ViewWriteOptions: ParsableArguments {
    @Flag(help: "Allow edit mode (e) and writing staged bytes (W). Refused with --forensic, and on a mounted device without --force.")
    var write = false

    @Option(help: "With --write: the undo journal for this session (default: $XDG_STATE_HOME/blkview/journals/…).")
    var journal: String?

    @Flag(help: "With --write: write a block device even though it is mounted or in use.")
    var force = false

    func validate() throws {
        if !write && journal != nil { throw ValidationError("--journal applies to --write only") }
        if !write && force { throw ValidationError("--force applies to --write only") }
    }

    /// Asks for the write permit and opens `path` writable (O_RDWR | O_DIRECT).
    func openWritable(_ path: String, options: BlockSourceOptions, forensic: Bool) throws -> any WritableSource {
        do {
            let permit = try WritePermit.request(path: path, force: force, forensic: forensic)
            return try BlockSources.openWritable(permit: permit, options: options)
        } catch {
            throw CLIError(error.description)
        }
    }
}
