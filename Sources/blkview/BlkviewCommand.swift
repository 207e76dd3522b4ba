import ArgumentParser
import LinuxAIO

/// The entry point: notes when the process started (the viewer's --stats
/// reports its first frames from here), then runs the command line.
@main
enum Entry {
    /// Monotonic nanoseconds at start-up (a lazy global, touched first thing).
    static let started = monotonicNanoseconds()

    static func main() async {
        _ = started
        exitUnlessRoomToRun()  // under ulimit -v: small thread stacks, or one clear line
        await BlkviewCommand.main()
    }
}

struct BlkviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blkview",
        abstract: "A terminal disk inspector over Linux native AIO.",
        version: "0.1.0",
        subcommands: [ViewCommand.self, InfoCommand.self, DumpCommand.self, SearchCommand.self, HashCommand.self,
                      BenchCommand.self, PatchCommand.self, UndoCommand.self, ScanCommand.self, MapCommand.self,
                      LsCommand.self, CatCommand.self, OwnerCommand.self, ExportCommand.self, FSWorkerCommand.self],
        defaultSubcommand: ViewCommand.self
    )
}
