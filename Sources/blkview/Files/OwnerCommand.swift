import Foundation
import ArgumentParser
import BlockDevice
import DiskFormats
import FileSystems
import Inspector

/// `blkview owner`: which file holds a byte — `ifind -d` then `istat`.
struct OwnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owner",
        abstract: "Say which file owns the byte at an offset of a disk or image (like ifind -d, then istat).",
        discussion: """
        OFFSET is a position on the media in goto syntax (0x31145c6, 51531206, s100352+0x5c6, p2+s100). \
        The file system is the one in the partition holding the offset (or --partition / --offset). \
        Owners are found as ifind -d finds them (inodes in order, allocated and deleted; the first that \
        claims the block wins); a byte no file owns is `metadata`, `unallocated` or `allocated` (no file \
        found), with DiskFormats' name for the area where it has one. Metadata regions are named from \
        libtsk's facts, as the viewer's status bar names them: boot sector, reserved area, FAT 1, FAT 2, \
        journal, MFT entry, MFT slack, inode table, unallocated. --json prints one object per offset. \
        --offsets-from FILE reads more positions, one a line (blank lines and # comments skipped; - is \
        standard input), so that thousands of lookups share one owner map.
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Argument(help: "Positions on the media (0x31145c6, s100352, p2+s100).")
    var offsets: [MediaPosition] = []

    @Option(name: .customLong("offsets-from"), help: ArgumentHelp("More positions, one a line, from a file ('-': standard input).", valueName: "file"))
    var offsetsFrom: String?

    @Option(help: "The partition holding the file system (default: the one holding each offset).")
    var partition: Int?

    @Option(name: .customLong("fs-offset"), help: "Where the file system starts, if not in a partition (0x100000, s2048).")
    var fsOffset: MediaPosition?

    @Flag(help: "One JSON object per offset.")
    var json = false

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func validate() throws {
        if offsets.isEmpty && offsetsFrom == nil { throw ValidationError("give at least one offset (or --offsets-from FILE)") }
        if partition != nil && fsOffset != nil { throw ValidationError("give either --partition or --fs-offset, not both") }
    }

    func run() async throws {
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await run(session: session)
        }
    }

    private func run(session: ForensicSession?) async throws {
        let wanted = try offsets + (offsetsFrom.map(Self.positions(from:)) ?? [])
        let src = try source.open(path, recordingIn: session, failureStatus: 1)
        let media = MediaReader(src, residentReads: true)
        try await closing(media, "owner", failureStatus: 1) {
            let size = media.geometry.size
            let layout = try await MediaPosition.layout(media)
            var starts: [Int: PartitionStart] = [:]
            for p in layout.partitions { starts[p.index] = PartitionStart.of(p, sectorSize: layout.sectorSize, mediaSize: size) }
            var positions: [Int64] = []
            for o in wanted {
                do { positions.append(try o.resolve(size: size, sectorSize: media.geometry.logicalSectorSize, partitions: starts)) } catch {
                    throw CLIError(MediaPosition.message("OFFSET \(o.text)", error))
                }
            }
            var resolver = OwnerResolver(path: path, source: source, layout: layout, media: media)
            if let fsOffset { resolver.fixedOffset = try await fsOffset.resolve("--fs-offset", on: media, size: size) }
            resolver.fixedPartition = partition
            let out = TextOutput()
            do {
                for p in positions {
                    let answer = try await resolver.answer(p)
                    try out.write((json ? answer.json : answer.text) + "\n")
                }
                try out.flush()
            } catch is TextOutput.ReaderGone {}
            await resolver.close()
        }
    }

    /// The positions in `path` (`-`: standard input), one a line; a bad line is one message naming it.
    static func positions(from path: String) throws -> [MediaPosition] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: path) else {
                throw CLIError("--offsets-from \(path): cannot read it (\(String(cString: strerror(errno))))")
            }
            data = d
        }
        var out: [MediaPosition] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard let p = MediaPosition(argument: text) else {
                throw CLIError("--offsets-from \(path) line \(n + 1): '\(text.prefix(60))' is not a position (0x31145c6, s100352, p2+s100)")
            }
            out.append(p)
        }
        if out.isEmpty { throw CLIError("--offsets-from \(path): no positions in it") }
        return out
    }
}
