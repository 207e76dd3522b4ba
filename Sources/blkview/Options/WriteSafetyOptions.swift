import ArgumentParser
import LinuxAIO

/// How a command that writes writes, and what stops it: shared by `patch` and `undo`.
struct WriteSafetyOptions: ParsableArguments {
    @Option(help: "How durable each write is.")
    var sync: SyncLevel = .data

    @Flag(help: "Write a block device even though it is mounted or in use.")
    var force = false

    @Flag(help: "Forensic mode: never writes, so this command is refused.")
    var forensic = false
}
