@testable import BlockDevice
import Foundation
import LinuxAIO
import Testing
import TestSupport

@Suite struct FileSourceTests {
    @Test func imageFileWithODirectOnAIO() async throws {
        let s = try Scratch()
        defer { s.remove() }
        // Not a multiple of the sector size: shown whole, the last read is short.
        let bytes = try s.writeRandom("disk.img", count: 3 * 1024 * 1024 + 100)
        let source = try BlockSources.open(path: s.file("disk.img"))
        #expect(source.kind == .regularFile)
        #expect(source.geometry.size == Int64(bytes.count))
        #expect(source.geometry.logicalSectorSize == 512)
        #expect(source.geometry.physicalSectorSize == 512)
        #expect(source.engine.kind == .aio)
        #expect(source.engineNote == nil)
        #expect(source.files == [s.file("disk.img")])
        // ext4: STATX_DIOALIGN says 512 (or the device's sector); never 1 with O_DIRECT.
        #expect(source.geometry.alignment.offset >= 512)
        let fd = (source as! FileSource).file.fd
        #expect(fcntl(fd, F_GETFL) & O_ACCMODE == O_RDONLY)
        #expect((source as! FileSource).file.direct)
        #expect(try await readAll(source) == bytes)
        // The tail through an aligned window, trimmed.
        let tail = try await readRange(source, at: Int64(bytes.count - 100), length: 100, align: 4096)
        #expect(tail == Array(bytes.suffix(100)))
        // At and past the end: 0.
        let buf = AlignedBuffer(count: 4096)
        #expect(try await source.read(at: source.geometry.size, into: buf, length: 4096) == 0)
        #expect(try await source.read(at: source.geometry.size + 8192, into: buf, length: 4096) == 0)
        await source.close()
        await #expect(throws: EngineError.shutDown) { try await source.read(at: 0, into: buf, length: 4096) }
    }

    @Test func emptyFileOpensWithSizeZero() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("empty.img", count: 0)
        let source = try BlockSources.open(path: s.file("empty.img"))
        #expect(source.geometry.size == 0)
        let buf = AlignedBuffer(count: 4096)
        #expect(try await source.read(at: 0, into: buf, length: 4096) == 0)
        await source.close()
    }

    @Test func threadsOnRequestStillODirect() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("disk.img", count: 1024 * 1024)
        let source = try BlockSources.open(path: s.file("disk.img"), options: .init(engine: .threads, slots: 4))
        #expect(source.engine.kind == .threads)
        #expect(source.engine.slots == 4)
        #expect((source as! FileSource).file.direct)
        #expect(try await readAll(source, chunk: 128 * 1024) == bytes)
        await source.close()
    }

    @Test func sectorSizeOverrideAndItsRange() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("disk.img", count: 64 * 1024)
        let source = try BlockSources.open(path: s.file("disk.img"), options: .init(sectorSize: 4096))
        #expect(source.geometry.logicalSectorSize == 4096)
        #expect(source.geometry.physicalSectorSize == 4096)
        await source.close()
        let e = await openError(s.file("disk.img"), options: .init(sectorSize: 1000))
        #expect(e?.description == "cannot open \(s.file("disk.img")): --sector-size must be a power of two from 512 to 65536, not 1000")
        let e2 = await openError(s.file("disk.img"), options: .init(slots: 0))
        #expect(e2?.description.contains("--slots must be between 1 and 4096") == true)
    }

    @Test func negativeOffsetIsAnIOError() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("disk.img", count: 8192)
        let source = try BlockSources.open(path: s.file("disk.img"))
        let buf = AlignedBuffer(count: 4096)
        do {
            _ = try await source.read(at: -4096, into: buf, length: 4096)
            Issue.record("no error")
        } catch let e as IOError {
            #expect(e.errno == .EINVAL)
            #expect(e.description.contains("negative offset"))
        }
        await source.close()
    }

    @Test(.enabled(if: Capability.tmpfs != nil, "no tmpfs at /dev/shm"))
    func tmpfsFallsBackToThreadsWithoutODirect() async throws {
        let s = try Scratch(base: Capability.tmpfs!)
        defer { s.remove() }
        let bytes = try s.writeRandom("disk.img", count: 1024 * 1024 + 7)
        // Even when AIO is asked for: buffered AIO would block in io_submit.
        let source = try BlockSources.open(path: s.file("disk.img"), options: .init(engine: .aio))
        #expect(source.engine.kind == .threads)
        #expect(source.engineNote?.contains("tmpfs") == true)
        #expect(source.engineNote?.contains("--engine aio ignored") == true)
        #expect(!(source as! FileSource).file.direct)
        #expect(source.geometry.alignment == DirectIOAlignment(memory: 1, offset: 1))
        #expect(try await readAll(source) == bytes)
        // No alignment needed: an odd read works.
        #expect(try await readRange(source, at: 12345, length: 777, align: 1) == Array(bytes[12345..<(12345 + 777)]))
        await source.close()
    }
}
