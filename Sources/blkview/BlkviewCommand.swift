import ArgumentParser

@main
struct BlkviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blkview",
        abstract: "A terminal disk inspector over Linux native AIO.",
        version: "0.1.0",
        subcommands: [ViewCommand.self, HashCommand.self, BenchCommand.self],
        defaultSubcommand: ViewCommand.self
    )
}
