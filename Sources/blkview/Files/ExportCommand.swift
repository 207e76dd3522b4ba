import ArgumentParser
import BlockDevice
import DiskFormats
import Glibc
import Inspector

/// `blkview export`: a byte range or a whole partition into a file, sparse.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy a byte range or a partition of a disk or image into a file, holes kept as holes.",
        discussion: """
        --offset takes goto syntax (0x100000, s2048, p2, p2+s100); --length a byte count (512, 1MiB). \
        Holes of the source (a sparse image) and all-zero 4 KiB blocks are left unwritten: the copy is \
        sparse, its bytes are the source's. The SHA-256 of the copy is printed; under --forensic the \
        session log records it and a destination in the evidence's directory is refused.
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Option(help: "Where to start (0x100000, s2048, p2, p2+s100).")
    var offset: MediaPosition?

    @Option(help: "How many bytes (with --offset; default: to the end).")
    var length: ByteCount?

    @Option(help: "A whole partition (its number in `blkview info`).")
    var partition: Int?

    @Option(name: [.customShort("o"), .long], help: "The file to write.")
    var output: String

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func validate() throws {
        if (offset == nil) == (partition == nil) { throw ValidationError("give either --offset (and --length) or --partition") }
        if partition != nil && length != nil { throw ValidationError("--length goes with --offset, not --partition") }
    }

    func run() async throws {
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await run(session: session)
        }
    }

    private func run(session: ForensicSession?) async throws {
        let src = try source.open(path, recordingIn: session, failureStatus: 1)
        let media = MediaReader(src, residentReads: true)
        try await closing(media, "export", failureStatus: 1) {
            let size = media.geometry.size
            let range: Range<Int64>
            var label: String
            if let partition {
                let layout = try await MediaPosition.layout(media)
                guard let p = layout.partitions.first(where: { $0.index == partition }) else {
                    throw CLIError("--partition \(partition): \(path) has no partition \(partition)")
                }
                guard let r = p.byteRange(sectorSize: layout.sectorSize), r.lowerBound < size else {
                    throw CLIError("--partition \(partition) lies beyond the end of the media")
                }
                if r.upperBound > size {
                    FileHandleOut.warn("partition \(partition) ends past the end of the media: copying its first \(size - r.lowerBound) bytes")
                }
                range = r.lowerBound..<min(r.upperBound, size)
                label = "partition \(partition)"
            } else if let offset {
                let start = try await offset.resolve("--offset", on: media, size: size)
                let want = length?.bytes ?? (size - start)
                let end = start + min(want, size - start)
                if want > size - start, length != nil {
                    throw CLIError("--length \(want): only \(size - start) bytes from 0x\(String(start, radix: 16)) to the end of the media")
                }
                range = start..<end
                label = "0x\(String(start, radix: 16)) +\(range.count)"
            } else { return }
            let dest = try ExportFile(path: output, evidence: session.map { _ in src.files })
            let data = (media.dataExtents() ?? [0..<size]).compactMap { r -> Range<Int64>? in
                let lo = max(r.lowerBound, range.lowerBound)
                let hi = min(r.upperBound, range.upperBound)
                return lo < hi ? lo..<hi : nil
            }
            let reader = ChunkReader(reader: media, ranges: data, chunk: 4 << 20, depth: 4, warm: true)
            do {
                while let c = try await reader.next() {
                    try dest.write(c.bytes, at: c.offset - range.lowerBound, sparseZeros: true)
                }
            } catch {
                await reader.finish()
                throw error
            }
            await reader.finish()
            let sha = try dest.finish(size: Int64(range.count))
            session?.note("exported \(label) of \(path) (bytes 0x\(String(range.lowerBound, radix: 16))-0x\(String(range.upperBound, radix: 16))) to \(output): \(range.count) bytes, sha256 \(sha)")
            print("\(output): \(range.count) bytes from \(path) \(label), sha256 \(sha)")
        }
    }
}

enum FileHandleOut {
    static func warn(_ s: String) {
        let l = "blkview: warning: \(s)\n"
        l.withCString { _ = write(2, $0, strlen($0)) }
    }
}
