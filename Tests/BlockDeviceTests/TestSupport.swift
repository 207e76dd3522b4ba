import BlockDevice
internal import CProcess
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// Reads the whole source in `chunk`-byte aligned reads, checking that only
/// the last read is short.
func readAll(_ source: any BlockSource, chunk: Int = 64 * 1024) async throws -> [UInt8] {
    let buffer = AlignedBuffer(count: chunk, alignment: 4096)
    var out: [UInt8] = []
    var offset: Int64 = 0
    while offset < source.geometry.size {
        let n = try await source.read(at: offset, into: buffer, length: chunk)
        #expect(n == chunk || offset + Int64(n) == source.geometry.size, "short read at \(offset)")
        if n == 0 { break }
        out += buffer.copyBytes(count: n)
        offset += Int64(n)
    }
    return out
}

/// Reads `length` bytes at `offset`, with the window widened to `align` as a
/// caller with O_DIRECT must, and returns just the wanted bytes.
func readRange(_ source: any BlockSource, at offset: Int64, length: Int, align: Int) async throws -> [UInt8] {
    let lo = offset / Int64(align) * Int64(align)
    let hi = (offset + Int64(length) + Int64(align) - 1) / Int64(align) * Int64(align)
    let buffer = AlignedBuffer(count: Int(hi - lo), alignment: 4096)
    let n = try await source.read(at: lo, into: buffer, length: buffer.count)
    let skip = Int(offset - lo)
    return buffer.copyBytes(offset: skip, count: max(0, min(length, n - skip)))
}

/// Runs `body` on a new thread whose file-system uid is `uid` (setfsuid is
/// per thread; a non-zero fsuid also drops CAP_DAC_OVERRIDE for that thread).
func asFileSystemUser<T: Sendable>(_ uid: UInt32, _ body: @escaping @Sendable () -> T) -> T {
    let result = Protected<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    let t = Thread {
        let old = cproc_setfsuid(uid)
        result.withLock { $0 = body() }
        _ = cproc_setfsuid(UInt32(bitPattern: old))
        done.signal()
    }
    t.start()
    done.wait()
    return result.withLock { $0! }
}

/// The error `BlockSources.open` throws, or nil when it opens.
func openError(_ path: String, options: BlockSourceOptions = BlockSourceOptions()) async -> BlockSourceError? {
    do throws(BlockSourceError) {
        let s = try BlockSources.open(path: path, options: options)
        await s.close()
        return nil
    } catch {
        return error
    }
}
