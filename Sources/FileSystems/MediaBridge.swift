import BlockDevice
import Dispatch
import LinuxAIO

/// libtsk's synchronous reads, served by the read path: runs on the worker's
/// own libtsk thread (never on the cooperative pool), which blocks on a
/// semaphore while the `MediaReader` read runs as a task. Ranges the kernel's
/// page cache holds are copied from it on this thread (`readResident`).
///
/// Used by one thread only (libtsk's): not `Sendable`.
final class MediaBridge {
    let reader: MediaReader
    let readClass: ReadClass
    private let size: Int64
    private let alignment: Int
    private let buffer: AlignedBuffer
    private static let window = 1 << 20
    /// The last read failure, for the error libtsk reports.
    private(set) var lastFailure: String?

    init(reader: MediaReader, readClass: ReadClass) {
        self.reader = reader
        self.readClass = readClass
        size = reader.geometry.size
        alignment = max(1, reader.geometry.alignment.offset)
        buffer = AlignedBuffer(count: Self.window + 2 * max(4096, alignment), alignment: max(4096, reader.geometry.alignment.memory))
    }

    /// Copies `length` bytes at `offset` into `dst`: bytes copied (fewer only
    /// at the end of the media), or -1 with `lastFailure` set.
    func copy(at offset: Int64, into dst: UnsafeMutableRawPointer, length: Int) -> Int64 {
        guard offset >= 0, length >= 0 else { lastFailure = "negative offset or length"; return -1 }
        guard offset < size else { return 0 }
        let want = Int(min(Int64(length), size - offset))
        var done = 0
        while done < want {
            let pos = offset + Int64(done)
            let start = pos - pos % Int64(alignment)
            let skip = Int(pos - start)
            let piece = min(want - done, Self.window)
            var span = skip + piece
            span = (span + alignment - 1) / alignment * alignment
            let n: Int
            switch readAligned(at: start, length: span) {
            case let .success(got): n = got
            case let .failure(e):
                lastFailure = "\(e)"
                return done > 0 ? Int64(done) : -1
            }
            guard n > skip else { break }
            let take = min(piece, n - skip)
            (dst + done).copyMemory(from: buffer.baseAddress + skip, byteCount: take)
            done += take
            if take < piece { break }
        }
        return Int64(done)
    }

    private func readAligned(at offset: Int64, length: Int) -> Result<Int, any Error> {
        if reader.isResident(offset: offset, length: length) {
            do { return .success(try reader.readResident(at: offset, into: buffer, length: length, as: readClass)) } catch {
                return .failure(error)
            }
        }
        let box = Protected<Result<Int, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let reader = reader
        let buffer = buffer
        let readClass = readClass
        Task {
            let r: Result<Int, any Error>
            do { r = .success(try await reader.read(at: offset, into: buffer, length: length, as: readClass)) } catch { r = .failure(error) }
            box.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return box.withLock { $0 } ?? .failure(FileSystemError.library("read finished without a result"))
    }
}
