import ArgumentParser
import BlockDevice
import Foundation
import Inspector

struct HashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Hash the media (MD5, SHA-1, SHA-256 in one pass) and verify it.",
        discussion: """
        Hashes the media itself: the reassembled stream of a split raw or EWF set, \
        not the container files. The algorithms run on their own threads over the \
        same chunks, read once through the I/O engine.

        --verify takes a hex digest (its length says the algorithm; "sha256:HEX" \
        also works), or a file: an ewfacquire log or output, a dc3dd log, an FTK \
        Imager summary (.txt), or an md5sum-style checksum file. An EWF image is \
        also verified against the hashes stored in it (whole media only).

        Exit status: 0 when every check matches (or there is nothing to check), \
        1 on a mismatch or when part of the media cannot be read (no digest is \
        given then; the unreadable ranges are listed).
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Option(help: ArgumentHelp("Comma-separated: md5, sha1, sha256.", valueName: "list"))
    var algorithms: String = "md5,sha1,sha256"

    @Option(help: "Hash from this position (4096, 0x1000, 1MiB, s2048 = sector 2048, p2 = partition 2, p2+s100).")
    var offset: MediaPosition?

    @Option(help: "Hash this many bytes (default: to the end).")
    var length: ByteCount?

    @Option(help: ArgumentHelp("A hex digest, or an ewfacquire/dc3dd log or FTK Imager summary to verify against.",
                               valueName: "hash-or-log"))
    var verify: String?

    @Flag(help: "Print one JSON object: size and one lowercase key per algorithm.")
    var json = false

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func validate() throws {
        do { _ = try HashAlgorithm.parseList(algorithms) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let chosen = try HashAlgorithm.parseList(algorithms)
        // A Ctrl-C from here on stops the hash and the session log still ends; a second quits at once.
        let interrupt = Interrupt.mark()
        try await forensic.session(evidence: [path]) { session in
            let expected = try verify.map { try Self.expectedHashes($0) }
            let src = try source.open(path, forensic: forensic.forensic)
            session?.opened(src)
            // Resident reads: chunks of a warm file are copied from the kernel's page cache.
            let reader = MediaReader(src, residentReads: true)
            let range: HashRange
            do {
                // The end is HashRange's to judge (its message names the size);
                // p2 reads the partition table through the read path first.
                let start = try await offset?.resolve("--offset", on: reader, size: .max)
                range = try HashRange.resolve(offset: start, length: length?.bytes, size: src.geometry.size)
            } catch let e as CLIError {
                await reader.close()
                throw e
            } catch {
                await reader.close()
                throw CLIError("\(path): \(error)")
            }
            let whole = range.offset == 0 && range.length == src.geometry.size
            let stored = whole ? ExpectedHashes.stored(in: src.evidence, origin: path) : nil
            var all = Set(chosen)
            for e in [expected, stored].compactMap({ $0 }) { all.formUnion(e.digests.keys) }
            let bar = Terminal.isTTY(2) ? HashProgressBar(total: range.length) : nil
            let report: HashReport
            do {
                report = try await Interrupt.cancelling(since: interrupt) { [all] in
                    try await MediaHasher.hash(reader, algorithms: all.sorted(), range: range) { bar?.show($0) }
                }
            } catch {
                bar?.clear()
                await reader.close()
                if error is CancellationError {
                    FileHandle.standardError.write(Data("blkview: \(path): hash interrupted (Ctrl-C); no digest\n".utf8))
                    // A forensic session logs "interrupted" and exits 130 itself.
                    if session == nil { throw ExitCode(130) }
                }
                throw error
            }
            bar?.clear()
            await reader.close()
            session?.hashed(report)
            let checks = (expected?.checks(against: report.digests) ?? []) + (stored?.checks(against: report.digests) ?? [])
            if report.isComplete { session?.verified(checks) }
            let output = HashOutput(path: path, report: report, shown: chosen, checks: report.isComplete ? checks : [])
            print(json ? output.json() : output.text(), terminator: "")
            if !report.isComplete {
                FileHandle.standardError.write(Data(("blkview: \(path): \(report.readErrors.count) unreadable range(s); "
                    + "no digest (a digest over unread bytes would certify nothing)\n").utf8))
                throw ExitCode(1)
            }
            if checks.contains(where: { !$0.matches }) { throw ExitCode(1) }
        }
    }

    /// `--verify`: a digest, else a file to parse.
    static func expectedHashes(_ arg: String) throws -> ExpectedHashes {
        if let d = ExpectedHashes.digest(arg), !FileManager.default.fileExists(atPath: arg) { return d }
        guard let bytes = ReadOnlyFile.read(arg) else {
            throw CLIError("--verify \(arg): neither a hex digest (32, 40 or 64 hex digits) nor a readable file")
        }
        do {
            return try VerificationLog.parse(VerificationLog.decode(bytes), origin: arg)
        } catch {
            throw CLIError(error.description)
        }
    }
}
