import ArgumentParser
import BlockDevice
import DiskFormats
import Foundation
import Inspector
import LinuxAIO

/// `blkview map`: the overview map as text or JSON.
struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Print an overview map: ranges with their class, entropy and zero fraction.",
        discussion: """
        Divides the media (or one partition) into --cells equal ranges and classes \
        each: zero (a hole or all-zero bytes), low entropy (text, tables, code), \
        high entropy (compressed or encrypted), unreadable (a read failed). Holes \
        of a sparse image are never read. Without --full each range is sampled \
        (one 4 KiB block in the middle of its data, then 8 more spread over it); \
        with --full every data byte is read. Entropy is Shannon entropy in bits \
        per byte, measured per 4 KiB block and averaged. \
        The --json object is documented in the README ("blkview map --json"). \
        Exit status: 0, also when some ranges are unreadable (they are classed so); \
        2 for a bad partition or a source that cannot be opened.
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Option(help: "How many ranges (1 to 65536).")
    var cells = 64

    @Option(help: "Map only partition N (its number as info lists it).")
    var partition: Int?

    @Flag(help: "Read every data byte instead of sampling.")
    var full = false

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func validate() throws {
        guard (1...65536).contains(cells) else { throw ValidationError("--cells must be 1 to 65536 (got \(cells))") }
    }

    func run() async throws {
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await run(session: session)
        }
    }

    private func run(session: ForensicSession?) async throws {
        let src = try source.open(path, recordingIn: session, failureStatus: 2)
        let reader = MediaReader(src)
        let started = monotonicNanoseconds()
        let (map, label) = try await closing(reader, "map", failureStatus: 2) { () async throws -> (OverviewMap, String) in
            let (range, label) = try await scope(reader)
            let plan = MapPlan(range: range, cells: cells)
            let progress = Terminal.isTTY(2) ? ProgressLine() : nil
            let scanner = MapScanner(reader: reader, plan: plan, options: .init(full: full, concurrency: 16))
            let map = await scanner.run { m in
                progress?.show("map: \(m.phase.rawValue) \(Int(m.progress * 100))%, \(ByteSize.format(m.bytesRead)) read")
            }
            progress?.clear()
            try Task.checkCancellation()
            return (map, label)
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        print(json ? MapReport.json(map, path: path, partition: partition, full: full, seconds: seconds)
                   : MapReport.text(map, path: path, scope: label, full: full, seconds: seconds))
    }

    /// The range mapped: the partition asked for, or the whole media.
    private func scope(_ reader: MediaReader) async throws -> (Range<Int64>, String) {
        let size = reader.geometry.size
        guard size > 0 else { throw failure("\(path.terminalSafe) is empty (0 bytes): nothing to map", status: 2) }
        guard let n = partition else { return (0..<size, "whole media") }
        let layout = try await StructureReader.probe(reader)
        guard let p = layout.partition(n) else {
            let have = layout.partitions.map { "\($0.index)" }.joined(separator: ", ")
            throw failure("\(path.terminalSafe) has no partition \(n)" + (have.isEmpty ? " (no partition table found)" : " (it has \(have))"), status: 2)
        }
        guard let r = p.byteRange(sectorSize: layout.sectorSize), r.lowerBound < size, !r.isEmpty else {
            throw failure("partition \(n) of \(path.terminalSafe) lies outside the media (start sector \(p.start), \(p.size) sectors)", status: 2)
        }
        return (r.lowerBound..<min(r.upperBound, size), "partition \(n)")
    }
}
