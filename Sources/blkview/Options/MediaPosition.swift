import ArgumentParser
import BlockDevice
import DiskFormats
import Inspector

/// A byte position on the media, in the viewer's goto syntax: `0x1fe`, `510`,
/// `4KiB`, `s2048` (sector 2048), `p2` (start of partition 2) and sums such as
/// `s2048+0x10` or `p2+s100`. The text is checked when parsed; sectors become
/// bytes when the media's sector size is known, and partitions are found by
/// reading the partition table (DiskFormats, through the read path) only
/// when the text names one (`resolve(on:)`).
struct MediaPosition: ExpressibleByArgument, Sendable, Equatable {
    let text: String
    /// The partitions the text names (`p2+s100` → [2]).
    let partitions: [Int]

    init?(argument: String) {
        let terms = argument.filter { !$0.isWhitespace }.split(whereSeparator: { $0 == "+" || $0 == "-" })
        var named: [Int] = []
        for t in terms where t.first == "p" || t.first == "P" {
            guard let n = Int(t.dropFirst()), n >= 0 else { return nil }
            named.append(n)
        }
        // The grammar only: a 512-byte sector, partitions at 0, an unbounded
        // size. The real values are checked again by `resolve`.
        let fake = Dictionary(named.map { ($0, PartitionStart.at(0)) }, uniquingKeysWith: { a, _ in a })
        guard (try? GotoExpression.resolve(argument, cursor: 0, size: .max, sectorSize: 512, partitions: fake)) != nil else { return nil }
        text = argument
        partitions = named
    }

    /// The offset on media of `size` bytes with `sectorSize`-byte sectors.
    /// - Parameter size: positions at or past it are refused; pass `.max`
    ///   where the command handles the end itself.
    func resolve(size: Int64, sectorSize: Int, partitions starts: [Int: PartitionStart] = [:]) throws(GotoExpression.Failure) -> Int64 {
        try GotoExpression.resolve(text, cursor: 0, size: size, sectorSize: sectorSize, partitions: starts)
    }

    /// Resolves against `media`, reading its partition table when the text
    /// names a partition. A failure is one line naming `option`.
    func resolve(_ option: String, on media: MediaReader, size: Int64) async throws -> Int64 {
        var starts: [Int: PartitionStart] = [:]
        if !partitions.isEmpty { starts = try await Self.partitionStarts(media) }
        do { return try resolve(size: size, sectorSize: media.geometry.logicalSectorSize, partitions: starts) } catch {
            throw CLIError(Self.message(option, error))
        }
    }

    /// Where each partition of `media` starts (the partition table through DiskFormats).
    static func partitionStarts(_ media: MediaReader) async throws -> [Int: PartitionStart] {
        let layout = try await layout(media)
        var m: [Int: PartitionStart] = [:]
        for p in layout.partitions { m[p.index] = PartitionStart.of(p, sectorSize: layout.sectorSize, mediaSize: media.geometry.size) }
        return m
    }

    /// The partition table and file systems of `media`; a read failure is one line.
    static func layout(_ media: MediaReader) async throws -> DiskLayout {
        do { return try await StructureReader.probe(media) } catch is CancellationError { throw CancellationError() } catch {
            throw CLIError("cannot read the partition table of \(media.path): \(error)")
        }
    }

    /// A failure of `resolve` for `option`: `--at: 0x100000 is past the end …`.
    static func message(_ option: String, _ failure: any Error) -> String {
        "\(option): " + "\(failure)".replacingOccurrences(of: "goto: ", with: "")
    }

    var defaultValueDescription: String { text }
}
