import BlockDevice
internal import CLinuxAIO
import Foundation
import LinuxAIO

/// Finds a byte pattern in a source, reading large aligned chunks through the
/// engine with the next chunk in flight while the current one is scanned.
/// Matches that straddle chunk boundaries are found (the last `m - 1` bytes
/// of a chunk are carried into the next window). Cancellable between chunks.
public enum Searcher {
    public static let defaultChunk = 1 << 20

    /// The first match at or after `from` (forward), or at or before `from`
    /// (backward); nil when there is none. `progress` gets the bytes scanned.
    public static func find(_ pattern: [UInt8], in source: any BlockSource, from: Int64, forward: Bool,
                            chunk: Int = defaultChunk,
                            progress: (@Sendable (Int64) -> Void)? = nil) async throws -> Int64? {
        precondition(!pattern.isEmpty)
        let size = source.geometry.size
        guard from >= 0 && from < size else { return nil }
        let chunk = alignedChunk(chunk, source)
        return forward
            ? try await findForward(pattern, source, from: from, chunk: chunk, progress: progress)
            : try await findBackward(pattern, source, from: from, chunk: chunk, progress: progress)
    }

    static func alignedChunk(_ chunk: Int, _ source: any BlockSource) -> Int {
        let a = max(source.geometry.alignment.offset, 512)
        return max(a, chunk / a * a)
    }

    private static func read(_ source: any BlockSource, at offset: Int64, chunk: Int) async throws -> (Int64, [UInt8]) {
        let buf = AlignedBuffer(count: chunk, alignment: max(source.geometry.alignment.memory, 4096))
        let n = try await source.read(at: offset, into: buf, length: chunk)
        return (offset, buf.copyBytes(count: n))
    }

    private static func findForward(_ p: [UInt8], _ source: any BlockSource, from: Int64, chunk: Int,
                                    progress: (@Sendable (Int64) -> Void)?) async throws -> Int64? {
        let size = source.geometry.size
        var next = from / Int64(chunk) * Int64(chunk)
        var carry: [UInt8] = []
        var carryStart = next
        var pending: Task<(Int64, [UInt8]), any Error>? = Task { [next] in try await read(source, at: next, chunk: chunk) }
        defer { pending?.cancel() }
        while let task = pending {
            let (off, data) = try await task.value
            next = off + Int64(chunk)
            pending = next < size ? Task { [next] in try await read(source, at: next, chunk: chunk) } : nil
            try Task.checkCancellation()
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

    private static func findBackward(_ p: [UInt8], _ source: any BlockSource, from: Int64, chunk: Int,
                                     progress: (@Sendable (Int64) -> Void)?) async throws -> Int64? {
        var start = from / Int64(chunk) * Int64(chunk)
        var carry: [UInt8] = []  // first m-1 bytes after the current chunk
        var pending: Task<(Int64, [UInt8]), any Error>? = Task { [start] in try await read(source, at: start, chunk: chunk) }
        defer { pending?.cancel() }
        while let task = pending {
            let (off, data) = try await task.value
            start = off - Int64(chunk)
            pending = start >= 0 ? Task { [start] in try await read(source, at: start, chunk: chunk) } : nil
            try Task.checkCancellation()
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
                guard let hit = cla_memmem(wb.baseAddress! + from, w.count - from, pb.baseAddress!, p.count) else { return nil }
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
