import Glibc
import LinuxAIO

/// A split raw set (`image.001`, `.002`, … or `aa`, `ab`, …) read as one
/// stream: the concatenation of the segments, whatever their sizes (each
/// segment's start offset is kept and found by binary search); a read that
/// straddles segments is split into one request per segment, through the
/// same engine.
final class SplitRawSource: BlockSource {
    let path: String
    let kind: SourceKind
    let geometry: Geometry
    let engine: any IOEngine
    let engineNote: String?
    let segments: [OpenedFile]
    /// Offset in the stream of each segment's first byte (ascending; equal for empty segments).
    let starts: [Int64]
    private let closed = Protected(false)

    var files: [String] { segments.map(\.path) }

    var segmentLayout: [SegmentExtent] {
        zip(segments, starts).map { SegmentExtent(path: $0.path, offset: $1, size: $0.size) }
    }

    private init(path: String, segments: [OpenedFile], starts: [Int64], geometry: Geometry, engine: any IOEngine, note: String?) {
        self.path = path
        self.segments = segments
        self.starts = starts
        kind = .splitRaw(segments: segments.count)
        self.geometry = geometry
        self.engine = engine
        engineNote = note
    }

    /// Opens every segment read-only and records where each starts in the stream.
    static func open(_ paths: [String], path: String, options: BlockSourceOptions) throws(BlockSourceError) -> SplitRawSource {
        var files: [OpenedFile] = []
        do throws(BlockSourceError) {
            for p in paths { files.append(try OpenedFile.openReadOnly(p)) }
            var starts: [Int64] = []
            var total: Int64 = 0
            for f in files {
                starts.append(total)
                let (sum, overflow) = total.addingReportingOverflow(f.size)
                if overflow || sum > Geometry.largestSize {
                    throw BlockSourceError(path: path, reason: .mediaTooLarge(overflow ? "the segments' sum, more than 2^63 B," : "the segments' sum, \(sum) B,"))
                }
                total = sum
            }
            // One engine for all: if one segment cannot do O_DIRECT, none does.
            let direct = files.allSatisfy(\.direct)
            if !direct {
                for f in files where f.direct { _ = OpenedFile.clearDirect(f.fd) }
            }
            let reason = files.first(where: { !$0.direct })?.bufferedReason
            let alignment = direct
                ? files.map(\.alignment).reduce(DirectIOAlignment(memory: 1, offset: 1)) {
                    DirectIOAlignment(memory: max($0.memory, $1.memory), offset: max($0.offset, $1.offset))
                }
                : DirectIOAlignment(memory: 1, offset: 1)
            let sector = options.sectorSize ?? 512
            let geometry = Geometry(size: total, logicalSectorSize: sector,
                                    physicalSectorSize: sector, alignment: alignment)
            let (engine, note) = try EngineSelection.make(options, direct: direct, bufferedReason: reason, path: path)
            return SplitRawSource(path: path, segments: files, starts: starts, geometry: geometry, engine: engine, note: note)
        } catch {
            for f in files { Glibc.close(f.fd) }
            throw error
        }
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        if closed.withLock({ $0 }) { throw EngineError.shutDown }
        guard offset >= 0 else {
            throw IOError(operation: .read, fd: segments[0].fd, path: path, offset: offset, length: length,
                          errno: .EINVAL, hint: "negative offset")
        }
        guard length <= buffer.count else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        let end = offset.addingReportingOverflow(Int64(length)).overflow ? geometry.size : min(offset + Int64(length), geometry.size)
        var pos = offset
        var done = 0
        while pos < end {
            let index = segmentIndex(containing: pos)
            let seg = segments[index]
            let within = pos - starts[index]
            let piece = Int(min(end - pos, seg.size - within))
            let got: Int
            if done == 0, isAligned(within, buffer.baseAddress) {
                // Straight into the caller's buffer; a segment's unaligned tail
                // is read with an aligned length (the kernel stops at its end).
                let request = min(roundUp(piece), length)
                got = min(try await engine.read(seg.fd, at: within, into: buffer, length: request), piece)
            } else {
                got = try await bounceRead(seg, at: within, count: piece, into: buffer, at: done)
            }
            done += got
            pos += Int64(got)
            if got < piece {
                if index == segments.count - 1 { break }
                throw IOError(operation: .read, fd: seg.fd, path: seg.path, offset: within + Int64(got),
                              length: piece - got, errno: .EIO,
                              hint: "the segment ended early: it is shorter than when it was opened")
            }
        }
        return done
    }

    /// The segment holding stream offset `pos` (< size): the last one starting
    /// at or before it (empty segments share their start with the next one).
    func segmentIndex(containing pos: Int64) -> Int {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= pos { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Reads the aligned window around `[within, within+count)` of one segment
    /// into a bounce buffer and copies the wanted bytes to `buffer + at`: the
    /// engine reads only into the start of a buffer, and segment boundaries
    /// need not be aligned.
    private func bounceRead(_ seg: OpenedFile, at within: Int64, count: Int, into buffer: AlignedBuffer,
                            at destination: Int) async throws -> Int {
        let a = Int64(geometry.alignment.offset)
        let lo = within / a * a
        let hi = (within + Int64(count) + a - 1) / a * a
        let bounce = AlignedBuffer(count: Int(hi - lo), alignment: max(geometry.alignment.memory, 64))
        let n = try await engine.read(seg.fd, at: lo, into: bounce, length: bounce.count)
        let skip = Int(within - lo)
        let available = max(0, min(n - skip, count))
        (buffer.baseAddress + destination).copyMemory(from: bounce.baseAddress + skip, byteCount: available)
        return available
    }

    private func isAligned(_ within: Int64, _ address: UnsafeMutableRawPointer) -> Bool {
        within % Int64(geometry.alignment.offset) == 0 && Int(bitPattern: address) % geometry.alignment.memory == 0
    }

    private func roundUp(_ n: Int) -> Int {
        let a = geometry.alignment.offset
        return (n + a - 1) / a * a
    }

    deinit {
        // Not closed by the owner: close the fds unless a request abandoned by
        // a cancelled task is still in flight on one of them.
        if !closed.withLock({ $0 }), engine.statistics().inFlight.isEmpty {
            for s in segments { Glibc.close(s.fd) }
        }
    }

    func close() async {
        let first = closed.setOnce()
        guard first else { return }
        await engine.shutdown()
        for s in segments { Glibc.close(s.fd) }
    }
}
