import BlockDevice
import Glibc
import LinuxAIO
import Testing
import TestSupport

/// `MediaReader.copyResident` on a real ext4 file whose page cache the test
/// empties and fills: it copies a range the cache holds, to any address, and
/// on a miss copies nothing and neither reads the disk nor starts readahead
/// (what preadv2's RWF_NOWAIT does on Linux 6.18, which is why it is not used).
@Suite("Read path: copies from the page cache without I/O")
struct ResidentCopyTests {
    static let size = 1 << 20

    /// A 1 MiB file of known bytes, written, synced and dropped from the page cache.
    static func coldFile(_ dir: Scratch) throws -> (String, [UInt8]) {
        let bytes = try dir.writeRandom("media.img", count: size, seed: 7)
        let path = dir.file("media.img")
        try dropCache(path)
        return (path, bytes)
    }

    static func dropCache(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
        defer { close(fd) }
        fsync(fd)
        guard posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0 else { throw TestFailure("fadvise DONTNEED failed") }
    }

    /// Reads `range` of the file with a plain buffered read (into the page
    /// cache), readahead off so that nothing past it is cached.
    static func warm(_ path: String, _ range: Range<Int>) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
        defer { close(fd) }
        guard posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) == 0 else { throw TestFailure("fadvise RANDOM failed") }
        var b = [UInt8](repeating: 0, count: range.count)
        guard pread(fd, &b, range.count, off_t(range.lowerBound)) == range.count else { throw TestFailure("warm read short") }
    }

    static func reader(_ path: String) throws -> MediaReader {
        MediaReader(try BlockSources.open(path: path, options: BlockSourceOptions(engine: .auto, slots: 4)), residentReads: true)
    }

    @Test("nothing cached: 0 bytes, no read counted, and the pages stay out of the cache (no readahead)")
    func cold() async throws {
        let dir = try Scratch()
        let (path, _) = try Self.coldFile(dir)
        let reader = try Self.reader(path)
        #expect(reader.residentReads)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: 256 << 10, alignment: 1)
        defer { dst.deallocate() }
        #expect(reader.copyResident(at: 0, into: dst, length: 256 << 10, as: .background) == 0)
        #expect(reader.copyResident(at: 512 << 10, into: dst, length: 4096, as: .background) == 0)
        #expect(!reader.isResident(offset: 0, length: Self.size))
        #expect(reader.statistics()[.background].resident == 0)
        await reader.close()
    }

    @Test("all cached: the bytes, to any address; part cached: nothing copied, nothing read")
    func partial() async throws {
        let dir = try Scratch()
        let (path, bytes) = try Self.coldFile(dir)
        try Self.warm(path, 0..<(64 << 10))
        let reader = try Self.reader(path)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: (256 << 10) + 3, alignment: 1)
        defer { dst.deallocate() }
        // Unaligned offset and destination, inside the cached 64 KiB.
        let n = reader.copyResident(at: 4097, into: dst + 3, length: (64 << 10) - 4097, as: .background)
        #expect(n == (64 << 10) - 4097)
        let same = n > 0 && Array(UnsafeRawBufferPointer(start: dst + 3, count: n)) == Array(bytes[4097..<(4097 + n)])
        #expect(same, "the bytes copied differ from the file's")
        #expect(reader.statistics()[.background].residentBytes == Int64(n))
        // Reaching past it: nothing, and the uncached rest is still uncached.
        #expect(reader.copyResident(at: 4096, into: dst, length: 128 << 10, as: .background) == 0)
        #expect(reader.statistics()[.background].residentBytes == Int64(n))
        #expect(!reader.isResident(offset: 64 << 10, length: 4096))
        await reader.close()
    }

    @Test("the end of the file: the count stops at the media's last byte")
    func end() async throws {
        let dir = try Scratch()
        let (path, bytes) = try Self.coldFile(dir)
        try Self.warm(path, 0..<Self.size)
        let reader = try Self.reader(path)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: 64 << 10, alignment: 1)
        defer { dst.deallocate() }
        let at = Self.size - 1000
        let n = reader.copyResident(at: Int64(at), into: dst, length: 64 << 10, as: .visible)
        #expect(n == 1000)
        let same = Array(UnsafeRawBufferPointer(start: dst, count: n)) == Array(bytes[at...])
        #expect(same, "the bytes copied differ from the file's")
        #expect(reader.copyResident(at: Int64(Self.size), into: dst, length: 4096, as: .visible) == 0)
        await reader.close()
    }
}
