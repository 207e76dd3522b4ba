import BlockDevice
internal import CByteSearch
import Foundation
import LinuxAIO

/// The viewer's `/` search: the next or previous match from the cursor.
/// Reads large aligned chunks through the read path in the background class
/// (the screen's pages go first), with the next chunk in flight while the
/// current one is scanned, and skips holes as `blkview search` does (a chunk
/// no match can touch is never read; `DataExtents.scanRanges`). Matches that
/// straddle chunk boundaries are found (the last `m - 1` bytes of a chunk are
/// carried into the next window). Cancellable between chunks.
public enum Searcher {
    public static let defaultChunk = 1 << 20

    /// The first match at or after `from` (forward), or at or before `from`
    /// (backward); nil when there is none. `progress` gets the bytes scanned.
    public static func find(_ pattern: [UInt8], in reader: MediaReader, from: Int64, forward: Bool,
                            chunk: Int = defaultChunk,
                            progress: (@Sendable (Int64) -> Void)? = nil) async throws -> Int64? {
        precondition(!pattern.isEmpty)
        let size = reader.geometry.size
        guard from >= 0 && from < size else { return nil }
        let chunk = alignedChunk(chunk, reader)
        let ranges = DataExtents.scanRanges(data: reader.dataExtents(), size: size, pattern: pattern,
                                            alignment: reader.geometry.alignment.offset)
        let map = ChunkMap(ranges: ranges, chunk: Int64(chunk))
        return forward
            ? try await findForward(pattern, reader, map, from: from, chunk: chunk, progress: progress)
            : try await findBackward(pattern, reader, map, from: from, chunk: chunk, progress: progress)
    }

    static func alignedChunk(_ chunk: Int, _ reader: MediaReader) -> Int {
        let a = max(reader.geometry.alignment.offset, 512)
        return max(a, chunk / a * a)
    }

    /// Which chunk-aligned offsets hold bytes a match could touch.
    struct ChunkMap {
        let ranges: [Range<Int64>]
        let chunk: Int64

        /// The first chunk at or after `offset` that overlaps a scan range, or nil.
        func next(atOrAfter offset: Int64) -> Int64? {
            guard let r = ranges.first(where: { $0.upperBound > offset }) else { return nil }
            return max(offset, r.lowerBound / chunk * chunk)
        }

        /// The last chunk at or before `offset` that overlaps a scan range, or nil.
        func previous(atOrBefore offset: Int64) -> Int64? {
            guard let r = ranges.last(where: { $0.lowerBound < offset + chunk }) else { return nil }
            return min(offset, (r.upperBound - 1) / chunk * chunk)
        }
    }

    private static func read(_ reader: MediaReader, at offset: Int64, chunk: Int) async throws -> (Int64, [UInt8]) {
        let buf = AlignedBuffer(count: chunk, alignment: max(reader.geometry.alignment.memory, 4096))
        let n = try await reader.read(at: offset, into: buf, length: chunk, as: .background)
        return (offset, buf.copyBytes(count: n))
    }

    private static func findForward(_ p: [UInt8], _ reader: MediaReader, _ map: ChunkMap, from: Int64, chunk: Int,
                                    progress: (@Sendable (Int64) -> Void)?) async throws -> Int64? {
        let size = reader.geometry.size
        guard var next = map.next(atOrAfter: from / Int64(chunk) * Int64(chunk)) else { return nil }
        var carry: [UInt8] = []
        var carryStart = next
        var pending: Task<(Int64, [UInt8]), any Error>? = Task { [next] in try await read(reader, at: next, chunk: chunk) }
        defer { pending?.cancel() }
        while let task = pending {
            let (off, data) = try await task.value
            let following = map.next(atOrAfter: off + Int64(chunk))
            next = following ?? size
            pending = next < size ? Task { [next] in try await read(reader, at: next, chunk: chunk) } : nil
            try Task.checkCancellation()
            // A skipped hole breaks the window: no match spans it (scanRanges).
            if carryStart + Int64(carry.count) != off {
                carry = []
                carryStart = off
            }
            let window = carry + data
            let windowStart = carryStart
            let startIndex = Int(max(0, from - windowStart))
            if let i = firstIndex(of: p, in: window, from: startIndex) { return windowStart + Int64(i) }
            let keep = min(p.count - 1, window.count)
            carry = Array(window.suffix(keep))
            carryStart = windowStart + Int64(window.count - keep)
            progress?(min(size, next) - from)
            if data.count < chunk { break }
        }
        return nil
    }

    private static func findBackward(_ p: [UInt8], _ reader: MediaReader, _ map: ChunkMap, from: Int64, chunk: Int,
                                     progress: (@Sendable (Int64) -> Void)?) async throws -> Int64? {
        guard var start = map.previous(atOrBefore: from / Int64(chunk) * Int64(chunk)) else { return nil }
        var carry: [UInt8] = []  // first m-1 bytes after the current chunk
        var carryAt: Int64 = start + Int64(chunk)
        var pending: Task<(Int64, [UInt8]), any Error>? = Task { [start] in try await read(reader, at: start, chunk: chunk) }
        defer { pending?.cancel() }
        while let task = pending {
            let (off, data) = try await task.value
            let preceding = off > 0 ? map.previous(atOrBefore: off - Int64(chunk)) : nil
            start = preceding ?? -1
            pending = start >= 0 ? Task { [start] in try await read(reader, at: start, chunk: chunk) } : nil
            try Task.checkCancellation()
            if carryAt != off + Int64(data.count) { carry = [] }  // a skipped hole
            carryAt = off
            let window = data + carry
            let limit = Int(min(Int64(window.count - 1), from - off))  // last start index allowed
            if limit >= 0, let i = lastIndex(of: p, in: window, upTo: limit) { return off + Int64(i) }
            carry = Array(data.prefix(p.count - 1))
            progress?(from - off)
        }
        return nil
    }

    /// memmem from `from`; the index of the first occurrence.
    static func firstIndex(of p: [UInt8], in w: [UInt8], from: Int) -> Int? {
        guard from < w.count, w.count - from >= p.count else { return nil }
        return w.withUnsafeBytes { wb in
            p.withUnsafeBytes { pb in
                guard let hit = cbs_memmem(wb.baseAddress! + from, w.count - from, pb.baseAddress!, p.count) else { return nil }
                return hit - UnsafeRawPointer(wb.baseAddress!)
            }
        }
    }

    /// The last occurrence starting at or before `upTo`.
    static func lastIndex(of p: [UInt8], in w: [UInt8], upTo: Int) -> Int? {
        var best: Int?
        var i = 0
        while let hit = firstIndex(of: p, in: w, from: i), hit <= upTo {
            best = hit
            i = hit + 1
        }
        return best
    }
}
