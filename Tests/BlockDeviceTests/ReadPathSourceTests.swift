@testable import BlockDevice
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// The read path over every kind of source blkview opens: raw (AIO and
/// threads), split raw and EWF. Reads of all three classes at once return
/// exactly the media's bytes, and the statistics count every one of them.
@Suite("Read path over real sources")
struct ReadPathSourceTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case rawAIO, rawThreads, split, ewf
        var testDescription: String { rawValue }
    }

    /// Makes the media for `kind` from `bytes`; returns the path to open and the options.
    static func make(_ kind: Kind, _ s: Scratch, _ bytes: [UInt8]) throws -> (String, BlockSourceOptions) {
        try Data(bytes).write(to: URL(fileURLWithPath: s.file("disk.raw")))
        switch kind {
        case .rawAIO: return (s.file("disk.raw"), BlockSourceOptions(engine: .aio, slots: 8))
        case .rawThreads: return (s.file("disk.raw"), BlockSourceOptions(engine: .threads, slots: 8))
        case .split:
            // Segments of 1 MiB + 512 B: boundaries fall inside reads.
            let r = Subprocess.run(["split", "-b", "\((1 << 20) + 512)", "--numeric-suffixes=1", "-a", "3", s.file("disk.raw"), s.file("set.")])
            guard r.status == 0 else { throw TestFailure("split: \(r.stderr)") }
            return (s.file("set.001"), BlockSourceOptions(slots: 8))
        case .ewf:
            let r = Subprocess.run(["ewfacquire", "-u", "-q", "-t", s.file("img"), "-c", "fast", "-S", "1MiB", s.file("disk.raw")])
            guard r.status == 0 else { throw TestFailure("ewfacquire: \(r.trimmed) \(r.stderr)") }
            return (s.file("img.E01"), BlockSourceOptions(slots: 8))
        }
    }

    @Test("mixed-class concurrent reads return the media's bytes and are all counted", arguments: Kind.allCases)
    func mixedClasses(_ kind: Kind) async throws {
        try #require(kind != .ewf || Capability.ewfacquire, "ewfacquire not installed")
        let s = try Scratch()
        defer { s.remove() }
        let size = 6 << 20
        // Half random, half zeros (EWF compresses the zeros).
        let bytes = Scratch.random(count: size / 2, seed: 11) + [UInt8](repeating: 0, count: size / 2)
        let (path, options) = try Self.make(kind, s, bytes)
        let source = try BlockSources.open(path: path, options: options)
        let reader = MediaReader(source)
        let piece = 64 << 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<(size / piece) {
                group.addTask {
                    let b = AlignedBuffer(count: piece, alignment: max(4096, source.geometry.alignment.memory))
                    let off = Int64(i * piece)
                    let n = try await reader.read(at: off, into: b, length: piece, as: ReadClass(rawValue: i % 3)!)
                    #expect(n == piece)
                    #expect(b.copyBytes(count: n) == Array(bytes[Int(off)..<Int(off) + n]), "bytes at \(off)")
                }
            }
            try await group.waitForAll()
        }
        let stats = reader.statistics()
        #expect(stats.completed == size / piece && stats.failed == 0)
        #expect(stats.classes.map(\.completed) == [32, 32, 32])
        #expect(stats.classes.allSatisfy { $0.latency.totalCount == 32 })
        #expect(stats.inFlight.isEmpty)
        if kind == .ewf {
            // ewfacquire's default chunk: 64 sectors of 512 bytes.
            #expect((source as? EWFSource)?.describe(offset: 65536, length: 65536) == "chunks 2–3")
            #expect((source as? EWFSource)?.describe(offset: 40000, length: 100) == "chunk 1")
            // What runs: libewf decoders reading the segments with pread, not AIO.
            #expect(stats.engine == "ewf ×\(ProcessInfo.processInfo.activeProcessorCount) decoders (pread)")
            #expect(stats.limits.total == ProcessInfo.processInfo.activeProcessorCount)
        }
        // The last byte and a read that runs past the end: a short count, not an error.
        let tail = AlignedBuffer(count: 8192, alignment: 4096)
        #expect(try await reader.read(at: Int64(size - 4096), into: tail, length: 8192, as: .visible) == 4096)
        await reader.close()
    }
}

@Suite("Read path: hole map")
struct HoleMapTests {
    @Test("a sparse file's data ranges come from SEEK_DATA on the source's own descriptor")
    func sparseFile() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("sparse.img")
        // 8 TiB with data at 1 MiB and at 5 TiB.
        #expect(Subprocess.run(["truncate", "-s", "8T", path]).status == 0)
        let fh = try #require(FileHandle(forWritingAtPath: path))
        for at: UInt64 in [1 << 20, 5 << 40] {
            try fh.seek(toOffset: at)
            fh.write(Data(repeating: 0xAB, count: 4096))
        }
        try fh.close()
        let reader = MediaReader(try BlockSources.open(path: path))
        let extents = try #require(reader.dataExtents())
        // ext4 maps at block granularity: each write is one 4 KiB extent.
        #expect(extents == [Int64(1 << 20)..<Int64((1 << 20) + 4096), Int64(5 << 40)..<Int64((5 << 40) + 4096)])
        await reader.close()
        // A block device or EWF cannot say: nil, and callers read it all.
        #expect(MediaReader(GatedSource(slots: 1)).dataExtents() == nil)
    }
}

@Suite("Read path: where a read lands in a split set")
struct SplitReadPathTests {
    @Test("the in-flight detail names the segment and the offset in it; holes are mapped per segment")
    func describeAndHoles() async throws {
        let s = try Scratch()
        defer { s.remove() }
        // Two 1 MiB segments and a sparse third: data at 0 and in the middle of the third.
        try s.writeRandom("set.001", count: 1 << 20, seed: 1)
        try s.writeRandom("set.002", count: 1 << 20, seed: 2)
        #expect(Subprocess.run(["truncate", "-s", "4M", s.file("set.003")]).status == 0)
        let fh = try #require(FileHandle(forWritingAtPath: s.file("set.003")))
        try fh.seek(toOffset: 2 << 20)
        fh.write(Data(repeating: 0x5A, count: 4096))
        try fh.close()
        let source = try BlockSources.open(path: s.file("set.001"))
        let split = try #require(source as? SplitRawSource)
        #expect(split.describe(offset: 0x10_0400, length: 512) == "set.002 +0x400")
        #expect(split.describe(offset: 0x1F_FE00, length: 1024) == "set.002 +0xffe00 …")
        let reader = MediaReader(source)
        #expect(reader.dataExtents() == [0..<Int64(2 << 20), Int64(4 << 20)..<Int64((4 << 20) + 4096)])
        await reader.close()
    }
}
