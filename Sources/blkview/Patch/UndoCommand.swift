import ArgumentParser
import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// `blkview undo`: puts back the original bytes an undo journal recorded.
struct UndoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Restore the original bytes recorded in an undo journal (newest first, verified by read-back).",
        discussion: """
        Idempotent: a block that already holds its original bytes is left alone, so undo can be run again \
        after an interruption. Refuses a target whose size or first block does not match the journal, or \
        whose journaled blocks hold neither the original nor the patched bytes.
        """
    )

    @Argument(help: "The undo journal (.bvundo) written by patch or the viewer.")
    var journal: String

    @Option(help: "The target to restore (default: the path recorded in the journal; device names change across reboots).")
    var target: String?

    @Flag(help: "Check the journal against the target and show what would be restored; write nothing.")
    var dryRun = false

    @OptionGroup var safety: WriteSafetyOptions

    @Flag(help: "Restore blocks with 512-byte pieces that hold neither the original nor the patched bytes (a write torn by a power loss); the target's size and first block must still match the journal.")
    var acceptTorn = false

    @OptionGroup var source: SourceOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        if safety.forensic && !dryRun {
            throw CLIError("cannot undo in forensic mode: it writes to the target; run without --forensic")
        }
        guard let data = FileManager.default.contents(atPath: journal) else {
            throw CLIError("cannot read the journal \(journal): \(FileManager.default.fileExists(atPath: journal) ? "permission denied or not a file" : "no such file")")
        }
        let parsed: ParsedJournal
        do {
            parsed = try ParsedJournal.parse(Array(data), name: journal)
        } catch JournalError.noHeader(let name) {
            print(json ? "{\"journal\":\(PatchOutput.quote(name)),\"records\":0,\"restored\":0,\"nothing_to_undo\":true}"
                       : "\(name.terminalSafe): no complete header — the patch stopped before writing anything; nothing to undo")
            return
        } catch {
            throw CLIError(error.description)
        }
        let path = target ?? parsed.header.path
        if dryRun {
            let src: MediaReader
            do { src = MediaReader(try BlockSources.open(path: path, options: source.blockSourceOptions)) } catch { throw CLIError(error.description) }
            do {
                let (settled, steps) = try await plan(parsed, path: path, size: src.geometry.size) { o, n in
                    try await Self.read(src, o, n)
                }
                await src.close()
                print(PatchOutput.undo(steps, journal: journal, parsed: settled, target: path, dryRun: true, json: json))
            } catch {
                await src.close()
                throw error
            }
            return
        }
        let w: WritableMedia
        do {
            let permit = try WritePermit.request(path: path, force: safety.force, forensic: safety.forensic)
            w = WritableMedia(try BlockSources.openWritable(permit: permit, options: source.blockSourceOptions))
        } catch {
            throw CLIError(error.description)
        }
        let done: [UndoStep]
        let settled: ParsedJournal
        do {
            let steps: [UndoStep]
            (settled, steps) = try await plan(parsed, path: path, size: w.geometry.size) { o, n in
                try await w.readExactly(at: o, length: n)
            }
            done = await UndoEngine.run(steps, journal: settled, target: w, sync: safety.sync)
        } catch {
            await w.close()
            throw error
        }
        await w.close()
        print(PatchOutput.undo(done, journal: journal, parsed: settled, target: path, dryRun: false, json: json))
        if let bad = done.first(where: { $0.state == .failed }) {
            FileHandle.standardError.write(Data("blkview undo: record \(bad.sequence) at 0x\(String(bad.offset, radix: 16)) failed: \((bad.note ?? "?").terminalSafe) — run undo again\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Judges a damaged last record, then plans: the journal to run and its steps.
    private func plan(_ j: ParsedJournal, path: String, size: Int64,
                      read: UndoEngine.Reader) async throws -> (ParsedJournal, [UndoStep]) {
        do {
            let settled = try await UndoEngine.settle(j, targetPath: path, size: size, read: read)
            return (settled, try await UndoEngine.plan(settled, targetPath: path, size: size, acceptTorn: acceptTorn, read: read))
        } catch let e as PatchError {
            throw CLIError(e.description)
        }
    }

    private static func read(_ src: MediaReader, _ offset: Int64, _ length: Int) async throws -> [UInt8] {
        let buffer = AlignedBuffer(count: length, alignment: max(src.geometry.alignment.memory, 512))
        let n = try await src.read(at: offset, into: buffer, length: length, as: .visible)
        guard n == length else { throw CLIError("cannot read \(src.path) at 0x\(String(offset, radix: 16)): short read") }
        return buffer.copyBytes(count: length)
    }
}
