import ArgumentParser
import BlockDevice
import DiskFormats
import FileSystems
import Inspector

/// Where the file system is: `--partition N` (a partition as `blkview info`
/// numbers it) or `--offset POS` (goto syntax: `0x100000`, `s2048`, `p2`);
/// without either, the file system that starts at 0, else the only
/// partition with a file system DiskFormats recognises.
struct FileSystemLocation: ParsableArguments {
    init() {}

    @Option(help: "The partition holding the file system (its number in `blkview info`).")
    var partition: Int?

    @Option(help: "Where the file system starts: 1048576, 0x100000, s2048 (sector), p2 (partition 2), p2+s100.")
    var offset: MediaPosition?

    func validate() throws {
        if partition != nil && offset != nil { throw ValidationError("give either --partition or --offset, not both") }
    }

    /// The byte offset of the file system on `media`, and how to name it (`p2`, `0x100000`).
    func resolve(_ media: MediaReader) async throws -> (offset: Int64, label: String) {
        let size = media.geometry.size
        if let offset {
            let o = try await offset.resolve("--offset", on: media, size: size)
            return (o, "0x" + String(o, radix: 16))
        }
        let layout = try await MediaPosition.layout(media)
        if let n = partition {
            guard let p = layout.partitions.first(where: { $0.index == n }) else {
                let have = layout.partitions.map { "p\($0.index)" }.joined(separator: ", ")
                throw CLIError("--partition \(n): \(media.path) has no partition \(n) (\(have.isEmpty ? "no partition table" : "it has \(have)"))")
            }
            switch PartitionStart.of(p, sectorSize: layout.sectorSize, mediaSize: size) {
            case let .at(o): return (o, "p\(n)")
            case let .pastEnd(o): throw CLIError("--partition \(n) starts past the end of the media (at 0x\(String(o, radix: 16)))")
            case .beyondInt64: throw CLIError("--partition \(n) starts beyond 2^63 bytes")
            }
        }
        if layout.partitions.isEmpty || layout.filesystem != nil { return (0, "0x0") }
        let withFS = layout.partitions.filter { $0.filesystem != nil }
        if withFS.count == 1, case let .at(o) = PartitionStart.of(withFS[0], sectorSize: layout.sectorSize, mediaSize: size) {
            return (o, "p\(withFS[0].index)")
        }
        let list = layout.partitions.map { "p\($0.index)\($0.filesystem.map { " " + $0.type } ?? "")" }.joined(separator: ", ")
        throw CLIError("\(media.path) has several partitions (\(list)): choose one with --partition N")
    }
}

extension SourceOptions {
    /// The same media options for the file-system worker's own open.
    var workerArguments: [String] {
        var a = ["--slots", String(slots), "--engine", engine.rawValue]
        if let sectorSize { a += ["--sector-size", String(sectorSize)] }
        return a
    }
}

/// Opens the media (recorded in the session under --forensic), finds the
/// file system, starts its worker; runs `body`; closes both whatever happens.
func withFileSystem<T>(_ path: String, source: SourceOptions, location: FileSystemLocation, session: ForensicSession?,
                       limits: FSLimits = FSLimits(), _ body: (FileSystemSession, MediaReader, String) async throws -> T) async throws -> T {
    let src = try source.open(path, recordingIn: session, failureStatus: 1)
    let reader = MediaReader(src, residentReads: true)
    let fs: FileSystemSession
    let label: String
    do {
        let (offset, l) = try await location.resolve(reader)
        label = l
        fs = try await FileSystemSession.open(FileSystemSpec(media: path, offset: offset, sourceArguments: source.workerArguments, limits: limits))
    } catch let e as FileSystemError {
        await reader.close()
        throw failure("\(path): \(e)", status: 1)
    } catch {
        await reader.close()
        throw error
    }
    do {
        let r = try await body(fs, reader, label)
        await fs.close()
        await reader.close()
        return r
    } catch {
        await fs.close()
        await reader.close()
        if let e = error as? FileSystemError { throw failure("\(path): \(e)", status: 1) }
        throw error
    }
}
