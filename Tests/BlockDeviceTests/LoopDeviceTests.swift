@testable import BlockDevice
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// Real block devices: read-only loop devices over an image (detached after).
@Suite(.serialized, .enabled(if: Capability.losetup, "losetup does not work here (needs root and loop devices)"))
struct LoopDeviceTests {
    @Test func loopDeviceWith512ByteSectors() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("disk.img", count: 4 * 1024 * 1024)
        let loop = try Loop(s.file("disk.img"))
        defer { loop.detach() }
        let source = try BlockSources.open(path: loop.device)
        #expect(source.kind == .blockDevice)
        #expect(source.geometry.size == Int64(bytes.count))
        #expect(source.geometry.logicalSectorSize == Int(Subprocess.run(["blockdev", "--getss", loop.device]).trimmed))
        #expect(source.geometry.physicalSectorSize == Int(Subprocess.run(["blockdev", "--getpbsz", loop.device]).trimmed))
        #expect(source.geometry.alignment.offset == source.geometry.logicalSectorSize)
        #expect(source.engine.kind == .aio)
        #expect((source as! FileSource).file.direct)
        #expect((source as! FileSource).file.device != nil)
        #expect(try await readAll(source, chunk: 256 * 1024) == bytes)
        // A sector-aligned read in the middle, 512 B.
        #expect(try await readRange(source, at: 512 * 77, length: 512, align: 512) == Array(bytes[(512 * 77)..<(512 * 78)]))
        await source.close()
    }

    @Test func loopDeviceWith4KSectors() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("disk4k.img", count: 2 * 1024 * 1024)
        let loop = try Loop(s.file("disk4k.img"), sectorSize: 4096)
        defer { loop.detach() }
        let source = try BlockSources.open(path: loop.device)
        #expect(source.geometry.logicalSectorSize == 4096)
        #expect(source.geometry.alignment.offset == 4096)
        #expect(source.geometry.size == Int64(bytes.count))
        #expect(try await readAll(source) == bytes)
        // 512-byte-aligned but not 4096-aligned: the kernel refuses it, in the completion.
        let buf = AlignedBuffer(count: 4096)
        await #expect(throws: IOError.self) { try await source.read(at: 512, into: buf, length: 512) }
        // And the source stays usable.
        #expect(try await source.read(at: 4096, into: buf, length: 4096) == 4096)
        #expect(buf.copyBytes() == Array(bytes[4096..<8192]))
        await source.close()
    }

    /// A device size that is not a multiple of the I/O size: the last read is short.
    @Test func deviceTailIsShortRead() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("odd.img", count: 1024 * 1024 + 3 * 512)
        let loop = try Loop(s.file("odd.img"))
        defer { loop.detach() }
        let source = try BlockSources.open(path: loop.device)
        #expect(source.geometry.size == Int64(bytes.count))
        let buf = AlignedBuffer(count: 64 * 1024)
        let n = try await source.read(at: 1024 * 1024, into: buf, length: buf.count)
        #expect(n == 3 * 512)
        #expect(buf.copyBytes(count: n) == Array(bytes.suffix(3 * 512)))
        #expect(try await readAll(source) == bytes)
        await source.close()
    }
}
