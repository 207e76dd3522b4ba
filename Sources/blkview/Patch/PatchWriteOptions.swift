import ArgumentParser
import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// Options of the commands that write: sync level, journal, force, forensic.
struct PatchWriteOptions: ParsableArguments {
    @OptionGroup var safety: WriteSafetyOptions

    @Option(help: "Undo journal to create (default: $XDG_STATE_HOME/blkview/journals/…).")
    var journal: String?

    var syncLevel: SyncLevel { safety.sync }

    /// Asks for the write permit and opens `path` writable; a refusal is the one-line message.
    func openTarget(_ path: String, options: BlockSourceOptions) throws -> WritableMedia {
        do {
            let permit = try WritePermit.request(path: path, force: safety.force, forensic: safety.forensic)
            return WritableMedia(try BlockSources.openWritable(permit: permit, options: options))
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Creates the undo journal for `target` (header durable before returning).
    func createJournal(for target: WritableMedia) async throws -> UndoJournalWriter {
        try await Self.createJournal(for: target, explicitPath: journal)
    }

    static func createJournal(for target: WritableMedia, explicitPath: String?) async throws -> UndoJournalWriter {
        do {
            return try await UndoJournalWriter.create(for: target, explicitPath: explicitPath)
        } catch let e as JournalError {
            throw CLIError(e.description)
        }
    }
}
