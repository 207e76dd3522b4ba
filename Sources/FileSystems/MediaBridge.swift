import BlockDevice
import Dispatch
import LinuxAIO

/// libtsk's synchronous reads, served by the read path: runs on the worker's
/// own libtsk thread (never on the cooperative pool), which blocks on a
/// semaphore while the `MediaReader` read runs as a task. A range the
/// kernel's page cache holds is copied from it straight into libtsk's buffer
/// on this thread (`MediaReader.copyResident`: mincore, then one pread).
///
/// libtsk asks for 64 KiB at a time (its own cache), mostly in order (inode
/// tables, directory blocks). A range the page cache holds is copied as asked
/// (a 1 MiB window per 64 KiB would copy the image many times over: a walk
/// jumps between inode tables and directory blocks). Other ranges are read
/// in whole 1 MiB windows through the read path, the last 32 kept, so a cold
/// walk costs a read per MiB, not one per 64 KiB.
///
/// Used by one thread only (libtsk's): not `Sendable`.
final class MediaBridge {
    let reader: MediaReader
    let readClass: ReadClass
    private let size: Int64
    private let memoryAlignment: Int
    private static let window = 1 << 20
    private static let kept = 32
    /// Window start → its bytes and how many are valid (fewer at the end of the media).
    private var windows: [Int64: (buffer: AlignedBuffer, valid: Int)] = [:]
    private var recent: [Int64] = []
    /// The last read failure, for the error libtsk reports.
    private(set) var lastFailure: String?

    init(reader: MediaReader, readClass: ReadClass) {
        self.reader = reader
        self.readClass = readClass
        size = reader.geometry.size
        memoryAlignment = max(4096, reader.geometry.alignment.memory)
    }

    /// Copies `length` bytes at `offset` into `dst`: bytes copied (fewer only
    /// at the end of the media), or -1 with `lastFailure` set.
    func copy(at offset: Int64, into dst: UnsafeMutableRawPointer, length: Int) -> Int64 {
        guard offset >= 0, length >= 0 else { lastFailure = "negative offset or length"; return -1 }
        guard offset < size else { return 0 }
        let want = Int(min(Int64(length), size - offset))
        // Resident (a warm image): copied from the page cache as asked.
        let resident = copyResident(at: offset, into: dst, length: want)
        if resident > 0 { return Int64(resident) }
        var done = 0
        while done < want {
            let pos = offset + Int64(done)
            let start = pos - pos % Int64(Self.window)
            let fetched = fetch(start)
            guard case let .success(w) = fetched else {
                // An unreadable window may hold readable sectors: the piece asked for alone.
                guard let take = readPiece(at: pos, count: min(want - done, Self.window - Int(pos - start)), into: dst + done), take > 0 else {
                    if case let .failure(e) = fetched { lastFailure = "\(e)" }
                    return done > 0 ? Int64(done) : -1
                }
                done += take
                continue
            }
            let skip = Int(pos - start)
            guard w.valid > skip else { break }
            let take = min(want - done, w.valid - skip)
            (dst + done).copyMemory(from: w.buffer.baseAddress + skip, byteCount: take)
            done += take
            if skip + take == w.valid && w.valid < Self.window { break }  // the end of the media
        }
        return Int64(done)
    }

    /// Bytes copied from the page cache (0 when resident reads are off, a
    /// window already holds the range, or a page of it is not cached).
    private func copyResident(at offset: Int64, into dst: UnsafeMutableRawPointer, length: Int) -> Int {
        guard reader.residentReads, length > 0, length <= Self.window,
              windows[offset - offset % Int64(Self.window)] == nil else { return 0 }
        return reader.copyResident(at: offset, into: dst, length: length, as: readClass)
    }

    /// `count` bytes at `pos` read on their own (whole 4 KiB pieces), not kept; nil on failure.
    private func readPiece(at pos: Int64, count: Int, into dst: UnsafeMutableRawPointer) -> Int? {
        let piece = pos - pos % 4096
        let skip = Int(pos - piece)
        let one = AlignedBuffer(count: (skip + count + 4095) / 4096 * 4096, alignment: memoryAlignment)
        guard case let .success(got) = readAligned(at: piece, into: one, length: one.count), got > skip else { return nil }
        let take = min(count, got - skip)
        dst.copyMemory(from: one.baseAddress + skip, byteCount: take)
        return take
    }

    /// The window at `start` (1 MiB aligned), read whole on first use.
    private func fetch(_ start: Int64) -> Result<(buffer: AlignedBuffer, valid: Int), any Error> {
        if let w = windows[start] {
            if recent.last != start, let i = recent.lastIndex(of: start) { recent.remove(at: i); recent.append(start) }
            return .success(w)
        }
        let length = Int(min(Int64(Self.window), size - start))
        // Whole sectors: the read path wants aligned lengths (the end of the media reads short).
        let aligned = (length + 4095) / 4096 * 4096
        let buffer: AlignedBuffer
        if windows.count >= Self.kept, let old = recent.first {
            recent.removeFirst()
            buffer = windows.removeValue(forKey: old)!.buffer
        } else {
            buffer = AlignedBuffer(count: Self.window, alignment: memoryAlignment)
        }
        switch readAligned(at: start, into: buffer, length: aligned) {
        case let .success(n):
            let w = (buffer: buffer, valid: min(n, length))
            windows[start] = w
            recent.append(start)
            return .success(w)
        case let .failure(e):
            return .failure(e)
        }
    }

    private func readAligned(at offset: Int64, into buffer: AlignedBuffer, length: Int) -> Result<Int, any Error> {
        if reader.isResident(offset: offset, length: length) {
            do { return .success(try reader.readResident(at: offset, into: buffer, length: length, as: readClass)) } catch {
                return .failure(error)
            }
        }
        let box = Protected<Result<Int, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let reader = reader
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
