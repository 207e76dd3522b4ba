internal import CLinuxAIO
import Foundation
import Glibc
import LinuxAIO

/// An EWF (E01) evidence set read through libewf: the decompressed media as
/// one stream, with its stored hashes and case metadata.
///
/// libewf decompresses with blocking calls on a handle that is not
/// thread-safe, so reads run on `EWFDecoders`: one handle per worker thread,
/// as many as there are cores, never on Swift's cooperative pool. `engine` is
/// a threaded engine kept for the protocol; EWF reads do not pass through it:
/// the read path (`MediaReader`) counts and orders them.
final class EWFSource: BlockSource {
    let path: String
    let kind: SourceKind
    let geometry: Geometry
    let engine: any IOEngine
    let engineNote: String?
    let files: [String]
    let evidence: EvidenceMetadata?
    /// A gap in the set: libewf globbed the segments up to `missing`, but a later one exists.
    let missingSegment: (missing: String, present: String)?
    private let decoders: EWFDecoders
    /// Bytes per chunk (for the in-flight panel), 0 when libewf did not say.
    private let chunkSize: Int64
    private let closed = Protected(false)

    var containerDefects: [String] {
        guard let gap = missingSegment else { return [] }
        return ["EWF segment \(gap.missing) is missing (\(gap.present) exists): the media it holds cannot be read; restore the segment"]
    }

    private init(path: String, handle: EWFHandle, geometry: Geometry, metadata: EvidenceMetadata,
                 files: [String], engine: any IOEngine) {
        self.path = path
        chunkSize = max(0, (try? handle.chunkSize().get()) ?? 0)
        missingSegment = Self.gap(after: files.last ?? path)
        self.geometry = geometry
        evidence = metadata
        self.files = files
        kind = .ewf(segments: files.count)
        self.engine = engine
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let gap = missingSegment.map { "EWF segment \($0.missing) is missing (\($0.present) exists): the data there is not in the segments present" }
        decoders = EWFDecoders(first: handle, path: path, count: cores, failureHint: gap)
        engineNote = "EWF: libewf decodes on \(cores) worker\(cores == 1 ? "" : "s"), one handle each; "
            + "it reads the segment files with pread (not AIO)"
    }

    /// `.E01`, `.e01`, `.E02`…, `.Ex01` (EWF2): handed to libewf, which globs the set.
    static func hasEWFExtension(_ path: String) -> Bool {
        let name = SplitSet.lastComponent(path)
        guard let dot = name.lastIndex(of: ".") else { return false }
        let ext = name[name.index(after: dot)...].lowercased()
        let rest = ext.hasPrefix("ex") ? ext.dropFirst(2) : ext.hasPrefix("e") ? ext.dropFirst() : ""
        return rest.count == 2 && rest.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The segment after `last` (`img.E02` after `img.E01`) when it is absent
    /// but a later-numbered one (`img.E03`) is in the directory. Numeric
    /// extensions (`E01`–`E99`, `Ex01`–`Ex99`, any case) only.
    static func gap(after last: String) -> (missing: String, present: String)? {
        let name = SplitSet.lastComponent(last)
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let ext = name[name.index(after: dot)...]
        let prefix = ext.dropLast(2), digits = ext.suffix(2)
        guard let n = Int(digits), n < 99, !prefix.isEmpty, prefix.lowercased() == "e" || prefix.lowercased() == "ex" else { return nil }
        let base = String(name[...dot])
        let dir = last.contains("/") ? String(last[...last.lastIndex(of: "/")!]) : "./"
        func twoDigits(_ i: Int) -> String { i < 10 ? "0\(i)" : "\(i)" }
        let missing = base + prefix + twoDigits(n + 1)
        var st = stat()
        guard stat(dir + missing, &st) != 0 else { return nil }
        for i in (n + 2)...99 {
            let candidate = base + prefix + twoDigits(i)
            if stat(dir + candidate, &st) == 0 { return (missing, candidate) }
        }
        return nil
    }

    static func open(_ path: String, options: BlockSourceOptions) throws(BlockSourceError) -> EWFSource {
        // The checks every source makes (missing, directory, FIFO, read access)
        // before libewf, whose messages are vaguer.
        try OpenedFile.checkType(path)
        // O_NOATIME like every open of evidence (EPERM when not the owner: without).
        var check = Syscall.retrying({ Glibc.open(path, O_RDONLY | O_CLOEXEC | cla_O_NOATIME) })
        if case let .failure(e) = check, e.rawValue == EPERM { check = Syscall.retrying({ Glibc.open(path, O_RDONLY | O_CLOEXEC) }) }
        switch check {
        case let .success(fd): Glibc.close(fd)
        case let .failure(e): throw BlockSourceError(path: path, reason: OpenedFile.openReason(e))
        }
        let handle: EWFHandle
        switch EWFHandle.open(path) {
        case let .success(h): handle = h
        case let .failure(f): throw BlockSourceError(path: path, reason: f.fdLimit ? .resourceLimit(f.message) : .ewf(f.message))
        }
        // libewf multiplies the header's sector count by the sector size
        // unchecked (2^55 sectors of 512 B read as 0 B) and returns it
        // unsigned: check the product here first.
        if case let .success(sectors) = handle.sectorCount(), case let .success(bps) = handle.bytesPerSector() {
            let (bytes, overflow) = sectors.multipliedReportingOverflow(by: UInt64(bps))
            if overflow || bytes > UInt64(Geometry.largestSize) {
                throw BlockSourceError(path: path, reason: .mediaTooLarge("\(sectors) sectors of \(bps) B" + (overflow ? " (more than 2^64 B)" : " = \(bytes) B")))
            }
        }
        let size: Int64
        switch handle.mediaSize() {
        case let .success(s): size = s
        case let .failure(f): throw BlockSourceError(path: path, reason: .ewf(f.message))
        }
        let bps = (try? handle.bytesPerSector().get()).map(Int.init) ?? 0
        var meta = EvidenceMetadata(format: "EWF", bytesPerSector: bps)
        meta.md5 = handle.hashValue("MD5")?.lowercased()
        meta.sha1 = handle.hashValue("SHA1")?.lowercased()
        meta.sha256 = handle.hashValue("SHA256")?.lowercased()
        meta.caseNumber = handle.headerValue("case_number")
        meta.evidenceNumber = handle.headerValue("evidence_number")
        meta.examinerName = handle.headerValue("examiner_name")
        meta.caseDescription = handle.headerValue("description")
        meta.notes = handle.headerValue("notes")
        meta.acquiryDate = handle.headerValue("acquiry_date")
        meta.systemDate = handle.headerValue("system_date")
        meta.acquirySoftware = handle.headerValue("acquiry_software")
        meta.acquirySoftwareVersion = handle.headerValue("acquiry_software_version")
        meta.acquiryOperatingSystem = handle.headerValue("acquiry_operating_system")
        meta.model = handle.headerValue("model")
        meta.serialNumber = handle.headerValue("serial_number")
        let sector = options.sectorSize ?? (bps > 0 ? bps : 512)
        let geometry = Geometry(size: size, logicalSectorSize: sector, physicalSectorSize: sector,
                                alignment: DirectIOAlignment(memory: 1, offset: 1))
        let segments = handle.segmentPaths
        return EWFSource(path: path, handle: handle, geometry: geometry, metadata: meta,
                         files: segments.isEmpty ? [path] : segments,
                         engine: ThreadPoolEngine(slots: options.slots, threads: 1))
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        if closed.withLock({ $0 }) { throw EngineError.shutDown }
        guard offset >= 0 else {
            throw IOError(operation: .read, fd: -1, path: path, offset: offset, length: length,
                          errno: .EINVAL, hint: "negative offset")
        }
        guard length <= buffer.count else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        guard offset < geometry.size, length > 0 else { return 0 }
        let count = Int(min(Int64(length), geometry.size - offset))
        return try await decoders.read(into: buffer, count: count, at: offset)
    }

    func close() async {
        let first = closed.setOnce()
        guard first else { return }
        await decoders.close()
        await engine.shutdown()
    }
}

extension EWFSource: ReadPathSource {
    var readConcurrency: Int { decoders.count }
    /// What runs: libewf decode workers, each reading the segment files
    /// with pread through our libbfio handles (CLibEWF's segment_read), not
    /// the AIO engine.
    var partsEngineLabel: String { "ewf ×\(decoders.count) decoders (pread)" }
    /// The chunks a read decodes: `chunk 1234` or `chunks 1234–1237`.
    func describe(offset: Int64, length: Int) -> String? {
        guard chunkSize > 0, offset >= 0, length > 0 else { return nil }
        let first = offset / chunkSize
        let last = (offset + Int64(length) - 1) / chunkSize
        return first == last ? "chunk \(first)" : "chunks \(first)–\(last)"
    }
}
