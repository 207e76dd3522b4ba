import ArgumentParser
import BlockDevice
internal import CProcess
import Foundation
import Inspector
import LinuxAIO

/// `blkview patch`: one patch, as `W` in the viewer writes it.
struct PatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Write bytes at an offset: undo journal first, then a sync-level write, then read-back verification.",
        discussion: """
        Each aligned block around the patch is read, its original bytes are appended to a write-ahead undo \
        journal (fsync'ed), and only then is the block written (O_DIRECT, with RWF_DSYNC for --sync data or \
        RWF_SYNC for --sync full) and read back. Undo with `blkview undo JOURNAL`.
        """
    )

    @Argument(help: "The image file or block device to patch.")
    var path: String

    @Option(help: "Offset of the first byte: 0x1fe, 510, 4KiB, s2048 (sector 2048), s1+0x10, p2 (partition 2), p2+s100.")
    var at: MediaPosition

    @Option(help: "The bytes, in hex: \"de ad be ef\" or deadbeef.")
    var hex: String?

    @Option(name: .customLong("from"), help: "Take the bytes from this file.")
    var from: String?

    @OptionGroup var writing: PatchWriteOptions

    @OptionGroup var source: SourceOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if (hex == nil) == (from == nil) { throw ValidationError("give the bytes with either --hex or --from FILE") }
        if let hex, PatchRun.parseHex(hex) == nil {
            throw ValidationError("--hex must be pairs of hex digits, e.g. \"de ad be ef\" (got '\(hex.terminalSafe)')")
        }
    }

    func run() async throws {
        let data = try bytes()
        let target = try writing.openTarget(path, options: source.blockSourceOptions)
        let report: PatchReport
        let journalPath: String
        do {
            let offset: Int64
            // p2 reads the partition table through the target's read path.
            offset = try await at.resolve("--at", on: target.reader, size: target.geometry.size)
            let blocks: [PlannedBlock]
            do {
                blocks = try PatchPlan.blocks(for: [PatchRun(offset: offset, replacing: data)], unit: target.patchUnit,
                                              mediaSize: target.geometry.size)
            } catch {
                throw CLIError("cannot patch \(path): \(error)")
            }
            let journal = try await writing.createJournal(for: target)
            journalPath = journal.path
            // Ctrl-C (the counting handler `hash` uses) stops between blocks:
            // the journal then ends with the last block written.
            let interrupt = Interrupt.mark()
            report = await PatchEngine.commit(blocks, to: target, journal: journal, sync: writing.syncLevel,
                                              stop: { cproc_sigint_count() != interrupt })
            await journal.close()
            print(PatchOutput.patch(report, path: path, offset: offset, length: data.count, journal: journalPath, json: json))
        } catch {
            await target.close()
            throw error
        }
        await target.close()
        if let done = report.stoppedAfter {
            FileHandle.standardError.write(Data(("blkview patch: interrupted (Ctrl-C): stopped after \(done) of \(report.blocks.count) "
                + "block\(report.blocks.count == 1 ? "" : "s"); undo with: blkview undo '\(journalPath.terminalSafe)'\n").utf8))
            throw ExitCode(130)
        }
        if let failure = report.failure {
            FileHandle.standardError.write(Data("blkview patch: \(failure.terminalSafe)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func bytes() throws -> [UInt8] {
        if let hex { return PatchRun.parseHex(hex)! }
        let file = from!
        guard let d = FileManager.default.contents(atPath: file) else {
            throw CLIError("cannot read --from \(file): \(FileManager.default.fileExists(atPath: file) ? "permission denied or not a file" : "no such file")")
        }
        guard !d.isEmpty else { throw CLIError("--from \(file) is empty: nothing to patch") }
        guard d.count <= 64 << 20 else { throw CLIError("--from \(file) has \(d.count) bytes; patch takes at most 64 MiB at a time") }
        return Array(d)
    }
}
