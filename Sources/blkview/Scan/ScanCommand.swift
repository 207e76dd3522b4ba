import ArgumentParser
import BlockDevice
import DiskFormats
import Foundation
import Inspector
import LinuxAIO

/// `blkview scan`: file systems where partitions could start (testdisk's
/// Quick Search), and the sfdisk script that would recreate the table.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find lost partitions: file systems at partition boundaries, and an sfdisk script for them.",
        discussion: """
        Looks for boot sectors and superblocks (ext2/3/4, FAT, exFAT, NTFS, XFS, \
        btrfs, LUKS, swap, ISO 9660) at every MiB and at the old cylinder \
        boundaries (255 heads × 63 sectors); --thorough then looks at every \
        sector of the gaps between the partitions found. Holes of sparse \
        images are not read. Each candidate gets a confidence (0–100) from \
        its backups (ext's group-1 superblock, NTFS's backup boot sector at \
        the end, FAT32's at sector 6, exFAT's boot checksums, XFS's AG 1 \
        superblock); one inside another's extent is halved. \
        The script is GPT when the media exceeds 2 TiB or holds GPT \
        remnants, else dos. blkview never writes it: apply it yourself with \
        `sfdisk DEVICE < script` after checking it. --script FILE writes it to FILE. \
        --json prints one object (see the README). Exit status: 0 found, 1 nothing found, 2 error.
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Flag(help: "After the quick pass, look at every sector of the gaps between the partitions found.")
    var thorough = false

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Also write the sfdisk script to this file.")
    var script: String?

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func run() async throws {
        let found = Protected(false)
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            let any = try await run(session: session)
            found.withLock { $0 = any }
        }
        if !found.withLock({ $0 }) { throw ExitCode(1) }
    }

    private func run(session: ForensicSession?) async throws -> Bool {
        let src: any BlockSource
        do { src = try source.open(path) } catch { throw failure("\(error)", status: 2) }
        session?.opened(src)
        let reader = MediaReader(src)
        let line: ProgressLine? = Terminal.isTTY(2) ? ProgressLine() : nil
        let last = Protected<UInt64>(0)
        let report: PartitionScanReport
        do {
            report = try await PartitionScanner.scan(reader, thorough: thorough, path: path) { p in
                guard let line else { return }
                let now = monotonicNanoseconds()
                let due = last.withLock { t -> Bool in
                    guard now - t > 100_000_000 else { return false }
                    t = now
                    return true
                }
                guard due else { return }
                let pct = p.total > 0 ? Double(p.done) * 100 / Double(p.total) : 100
                line.show("scan (\(p.pass)) \(String(format: "%5.1f", pct))%  \(p.found) found")
            }
        } catch is CancellationError {
            line?.clear()
            await reader.close()
            throw CancellationError()
        } catch {
            line?.clear()
            await reader.close()
            throw failure("cannot scan \(path.terminalSafe): \(error)", status: 2)
        }
        line?.clear()
        await reader.close()
        if let script {
            do {
                try Data(report.script.text.utf8).write(to: URL(fileURLWithPath: script))
            } catch {
                throw failure("cannot write the script to \(script.terminalSafe): \(error.localizedDescription)", status: 2)
            }
        }
        print(json ? ScanReportFormat.json(report, path: path) : ScanReportFormat.text(report, path: path), terminator: "")
        return !report.candidates.isEmpty
    }
}
