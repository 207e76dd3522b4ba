import ArgumentParser

struct BlkviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blkview",
        abstract: "A terminal disk inspector over Linux native AIO.",
        version: "0.1.0"
    )
}
