import ArgumentParser
import FileSystems

/// `blkview __fs-worker`: the process libtsk runs in (started by
/// `FileSystemSession`, never by hand). It opens the media read-only itself
/// and answers requests on stdin with frames on stdout; a crash here ends
/// only this process.
struct FSWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__fs-worker",
        abstract: "Internal: the file-system worker process (libtsk behind a pipe).",
        shouldDisplay: false
    )

    @Argument var path: String

    @Option var fsOffset: Int64 = 0

    @Flag var interactive = false

    /// Background maps: every thread of the worker at this nice value.
    @Option var nice: Int32 = 0

    @OptionGroup var source: SourceOptions

    func run() async throws {
        let status = await FileSystemWorker.serve(media: path, options: source.blockSourceOptions, offset: fsOffset, interactive: interactive,
                                                    nice: max(0, min(19, nice)))
        if status != 0 { throw ExitCode(status) }
    }
}
