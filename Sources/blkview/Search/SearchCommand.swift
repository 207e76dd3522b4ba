import ArgumentParser
import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// `blkview search`: every offset of a byte pattern, like `grep -c` is fast.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Print the offset of every occurrence of a byte pattern (hex or text).",
        discussion: """
        Prints each start offset in hex (0x…), one per line, in increasing order. \
        Every start is reported, overlapping ones included: "aa" in "aaaa" is at \
        0x0, 0x1 and 0x2 (grep -ob would report 0x0 and 0x2). Occurrences that \
        straddle the chunks read are found. On regular files the holes \
        (SEEK_DATA/SEEK_HOLE) are not read unless the pattern is all zero bytes; \
        occurrences touching a hole's edge are still found. \
        --json prints one object: {"path", "pattern" (hex bytes), "text" (when \
        --text), "matches" (decimal offsets), "count", "bytes_scanned", "seconds", \
        "unreadable" ([{"offset", "length", "error"}], decimal)}. \
        An unreadable range does not stop the search: the failed chunk is read \
        again in halves down to the sector to find the range's real edges, \
        each one is named on stderr, every match found is still printed, and \
        the exit status is 2. When a --hex pattern of 2, 4 or 8 bytes is not \
        found, stderr says whether its byte-swapped form occurs. \
        A progress line goes to stderr when it is a terminal. \
        Exit status, like grep: 0 found, 1 not found, 2 error (bad pattern, \
        unreadable source); 64 when the command line cannot be parsed.
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Option(help: "The bytes to find, in hex: \"de ad be ef\", deadbeef or 0xdeadbeef.")
    var hex: String?

    @Option(help: "The text to find (its UTF-8 bytes, case-sensitive).")
    var text: String?

    @Option(help: "Search from this position (0x100000, s2048, p2, p2+s100; default: the start).")
    var offset: MediaPosition?

    @Option(help: "Search this many bytes from --offset (matches that start in the range; default: to the end).")
    var length: ByteCount?

    @Flag(help: "Stop at the first occurrence.")
    var first = false

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    /// What --json prints.
    struct Report: Encodable {
        var path: String
        var pattern: String
        var text: String?
        var matches: [Int64]
        var count: Int
        var bytesScanned: Int64
        var seconds: Double
        var unreadable: [Unreadable]
    }

    struct Unreadable: Encodable {
        var offset: Int64
        var length: Int64
        var error: String
    }

    func pattern() throws -> [UInt8] {
        switch (hex, text) {
        case (nil, nil): throw failure("give the pattern with --hex or --text", status: 2)
        case (.some, .some): throw failure("give either --hex or --text, not both", status: 2)
        case let (h?, nil):
            guard let bytes = SearchPattern.hexBytes(h) else {
                throw failure("--hex must be pairs of hex digits such as \"de ad be ef\" (got '\(h)')", status: 2)
            }
            return bytes
        case let (nil, t?):
            guard !t.isEmpty else { throw failure("--text must not be empty", status: 2) }
            return Array(t.utf8)
        }
    }

    func run() async throws {
        // --forensic: the session log stamps the evidence before and after.
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await run(session: session)
        }
    }

    private func run(session: ForensicSession?) async throws {
        let bytes = try pattern()
        let src = try source.open(path, recordingIn: session, failureStatus: 2)
        let reader = MediaReader(src, residentReads: true)
        let outcome = try await closing(reader, "search", failureStatus: 2) {
            var window: Range<Int64>?
            if offset != nil || length != nil {
                // p2 reads the partition table through the read path first.
                let size = reader.geometry.size
                let start = try await offset?.resolve("--offset", on: reader, size: size) ?? 0
                window = start..<(start + min(length?.bytes ?? size, size - start))
            }
            return try await search(reader, pattern: bytes, window: window)
        }
        if !outcome.unreadable.isEmpty {
            for u in outcome.unreadable {
                let r = u.range
                Self.stderr("Error: \(path.terminalSafe): 0x\(String(r.lowerBound, radix: 16))-0x\(String(r.upperBound, radix: 16)) (\(r.count) B) unreadable, not searched: \(u.message.terminalSafe)")
            }
            throw ExitCode(2)
        }
        if outcome.count == 0 {
            if hex != nil, let hint = outcome.swappedHint { Self.stderr(hint) }
            throw ExitCode(1)
        }
    }

    /// What a search found, for the exit status and the hints.
    struct Result {
        var count: Int
        var unreadable: [PatternSearch.Unreadable]
        var swappedHint: String?
    }

    static func stderr(_ line: String) {
        let l = line + "\n"
        l.withCString { _ = write(2, $0, strlen($0)) }
    }

    /// Scans and prints.
    private func search(_ src: MediaReader, pattern: [UInt8], window: Range<Int64>?) async throws -> Result {
        let started = monotonicNanoseconds()
        var matches: [Int64] = []
        var sink = StdoutSink()
        let out = DumpBuffer(capacity: 1 << 16)
        var progress: SearchProgress?
        var search = PatternSearch(pattern: pattern)
        search.window = window
        if Terminal.isTTY(2) { progress = SearchProgress() }
        let outcome: PatternSearch.Outcome
        do {
            outcome = try await search.run(src, onMatch: { at in
                if json { matches.append(at) } else { Self.appendLine(at, to: out) }
                return !first
            }, afterChunk: { scanned, planned in
                progress?.update(scanned: scanned, total: planned)
                return json || out.count == 0 ? true : try sink.flush(out)
            })
        } catch {
            progress?.clear()
            throw error
        }
        progress?.clear()
        if !json && out.count > 0 { _ = try sink.flush(out) }
        let count = outcome.count
        let scanned = outcome.bytesScanned
        if json {
            let seconds = Double(monotonicNanoseconds() - started) / 1e9
            let report = Report(path: path, pattern: pattern.map { String(format: "%02x", $0) }.joined(separator: " "),
                                text: text, matches: matches, count: count, bytesScanned: scanned,
                                seconds: (seconds * 1e6).rounded() / 1e6,
                                unreadable: outcome.unreadable.map {
                                    Unreadable(offset: $0.range.lowerBound, length: Int64($0.range.count), error: $0.message)
                                })
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            out.append(Array(try encoder.encode(report)) + [0x0A])
            _ = try sink.flush(out)
        }
        var hint: String?
        if count == 0, hex != nil, let swapped = PatternSearch.byteSwapped(pattern) {
            // An ext4 magic given as "ef53" is stored "53 ef": say so.
            let hex = swapped.map { String(format: "%02x", $0) }.joined(separator: " ")
            var again = PatternSearch(pattern: swapped)
            again.useWarmReads = true
            again.window = window
            var first: Int64?
            let o = try await again.run(src, onMatch: { at in first = at; return false })
            if let first {
                hint = "not found; the byte-swapped pattern \(hex) occurs at 0x\(String(first, radix: 16)) (little-endian?)"
            } else if o.unreadable.isEmpty {
                hint = "not found; the byte-swapped pattern \(hex) does not occur either"
            }
        }
        return Result(count: count, unreadable: outcome.unreadable, swappedHint: hint)
    }

    /// `0x…\n` without a String.
    static func appendLine(_ v: Int64, to out: DumpBuffer) {
        let p = out.reserve(20)
        p[0] = 0x30
        p[1] = 0x78
        var digits = 1
        var x = UInt64(v) >> 4
        while x != 0 { digits += 1; x >>= 4 }
        var y = UInt64(v)
        for i in stride(from: digits - 1, through: 0, by: -1) {
            let d = UInt8(y & 15)
            p[2 + i] = d < 10 ? 0x30 + d : 0x57 + d
            y >>= 4
        }
        p[2 + digits] = 0x0A
        out.commit(3 + digits)
    }
}

/// The progress line of a search on a terminal, redrawn at most 10 times a second.
final class SearchProgress {
    private let line = ProgressLine()
    private var last: UInt64 = 0

    func update(scanned: Int64, total: Int64) {
        let now = monotonicNanoseconds()
        guard now - last > 100_000_000 else { return }
        last = now
        let pct = total > 0 ? Double(scanned) * 100 / Double(total) : 100
        let width = 30
        let filled = min(width, Int(pct / 100 * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        line.show("search [\(bar)] \(String(format: "%5.1f", pct))%  \(ByteSize.format(scanned)) of \(ByteSize.format(total))")
    }

    func clear() { line.clear() }
}
