import ArgumentParser
import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// `blkview dump`: a hex dump of a range, byte-identical to `hexdump -C`
/// (canonical), or coloured like hexyl.
struct DumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Hex dump a range of a disk or image (canonical = hexdump -C; color = hexyl-like).",
        discussion: """
        canonical output is byte-identical to `hexdump -C -s OFFSET -n LENGTH PATH`: \
        16 bytes a line, repeated lines as one `*`, the end offset on the last line. \
        color marks byte classes like hexyl (NO_COLOR turns the colours off). \
        The range is read in big aligned chunks through the I/O engine with several \
        reads in flight (pages already in the page cache are copied from it). \
        An --offset past the end prints the final offset line (the size), as hexdump does. \
        A read that fails, or returns fewer bytes than the media holds, ends the \
        dump with the lines before it and an error naming the range. \
        A reader that goes away (`| head`) ends the dump quietly with status 0. \
        Exit status: 0 done, 1 error (bad input, unreadable source).
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    // Strings parsed in run() by ByteCount/MediaPosition: dump's bad input is one line and status 1
    // (ArgumentParser's parse errors add the usage and exit 64).
    @Option(help: "Where to start: 4096, 0x1000, 4k, 1MiB, s2048 (sector 2048), p2 (partition 2), p2+s100 (default 0).")
    var offset: String = "0"

    @Option(help: "How many bytes (default: to the end).")
    var length: String?

    @Option(help: "canonical (hexdump -C) or color (hexyl-like).")
    var format: String = "canonical"

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func run() async throws {
        // --forensic: the session log stamps the evidence before and after.
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await run(session: session)
        }
    }

    private func run(session: ForensicSession?) async throws {
        guard let position = MediaPosition(argument: offset) else {
            throw failure("--offset must be a position such as 4096, 0x1000, 4k, s2048 or p2+s100 (got '\(offset)')", status: 1)
        }
        var count: Int64?
        if let length {
            guard let l = ByteCount(argument: length) else {
                throw failure("--length must be a byte count such as 512, 0x200 or 1m (got '\(length)')", status: 1)
            }
            count = l.bytes
        }
        guard format == "canonical" || format == "color" else {
            throw failure("--format must be canonical or color (got '\(format)')", status: 1)
        }
        let src = try source.open(path, recordingIn: session, failureStatus: 1)
        let size = src.geometry.size
        // Resident reads: a warm file is copied from the kernel's page cache.
        let reader = MediaReader(src, residentReads: true)
        try await closing(reader, "dump", failureStatus: 1) {
            // p2 reads the partition table (through the read path) first.
            let asked = try await position.resolve("--offset", on: reader, size: .max)
            // Like hexdump -s past the end: nothing to show, the final offset
            // line says the size (and nothing at all for an empty file).
            let start = min(asked, size)
            let end = count.map { min(size, start + min($0, Int64.max - start)) } ?? size
            // hexdump prints nothing at all for -n 0 or an empty file.
            try await dump(reader, range: start..<end, emptyRange: count == 0 || size == 0)
        }
    }

    private func dump(_ media: MediaReader, range: Range<Int64>, emptyRange: Bool) async throws {
        let chunk = 4 << 20
        let reader = ChunkReader(reader: media, ranges: [range], chunk: chunk, depth: 4, warm: true)
        var sink = StdoutSink()
        let out = try DumpBuffer(checkedCapacity: HexdumpFormatter.maxOutput(for: chunk))
        var canonical = HexdumpFormatter(start: range.lowerBound)
        var color = ColorFormatter(start: range.lowerBound, color: !Self.noColor)
        let isCanonical = format == "canonical"
        do {
            while let c = try await reader.next() {
                if isCanonical { canonical.feed(c.bytes, into: out) } else { color.feed(c.bytes, into: out) }
                guard try sink.flush(out) else { break }
            }
        } catch {
            await reader.finish()
            throw error
        }
        await reader.finish()
        if sink.closedByReader { return }
        if isCanonical { canonical.finish(into: out, emptyRange: emptyRange) } else { color.finish(into: out) }
        _ = try sink.flush(out)
    }

    /// https://no-color.org: present and not empty.
    static var noColor: Bool {
        if let v = ProcessInfo.processInfo.environment["NO_COLOR"], !v.isEmpty { return true }
        return false
    }
}
