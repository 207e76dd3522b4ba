import BlockDevice
import Foundation
import Inspector
import LinuxAIO
import Testing
import TestSupport

@Suite("MediaHasher: one pass of reads, lanes on threads")
struct MediaHasherTests {
    static func reference(_ bytes: ArraySlice<UInt8>) -> [HashAlgorithm: String] {
        var d = MultiDigest(HashAlgorithm.allCases)
        Array(bytes).withUnsafeBytes { d.update($0) }
        return d.finalize()
    }

    @Test("whole files of awkward sizes, through the real engine, small and large chunks",
          arguments: [0, 1, 511, 4096, (3 << 20) + 123, 5 << 20])
    func wholeFile(size: Int) async throws {
        let scratch = try Scratch()
        var bytes = Pattern.bytes(size)
        if size > 0 { bytes[size - 1] ^= 0x5A }
        let path = try scratch.write("img.raw", bytes)
        let src = try BlockSources.open(path: path)
        defer { Task { await src.close() } }
        for tuning in [HashTuning(chunkSize: 64 << 10, depth: 3, buffers: 3), HashTuning(chunkSize: 64 << 10, depth: 1, buffers: 5),
                       HashTuning(chunkSize: 4096, depth: 4), HashTuning(warmReads: false), .command, .viewer] {
            let r = try await MediaHasher.hash(MediaReader(src, residentReads: true), algorithms: HashAlgorithm.allCases, tuning: tuning)
            #expect(r.isComplete)
            #expect(r.range == HashRange(offset: 0, length: Int64(size)))
            #expect(r.digests == Self.reference(bytes[...]), "tuning \(tuning)")
        }
        await src.close()
    }

    @Test("unaligned --offset/--length hash exactly that range")
    func ranges() async throws {
        let scratch = try Scratch()
        let bytes = Pattern.bytes((2 << 20) + 700)
        let path = try scratch.write("img.raw", bytes)
        let src = try BlockSources.open(path: path)
        for (o, l) in [(1, 1), (513, 70_000), (1 << 20, 1 << 20), (3, (2 << 20) + 697), (100, 0)] {
            let range = try HashRange.resolve(offset: Int64(o), length: Int64(l), size: src.geometry.size)
            let r = try await MediaHasher.hash(MediaReader(src, residentReads: true), algorithms: [.sha256, .md5], range: range,
                                               tuning: HashTuning(chunkSize: 128 << 10, depth: 4))
            var expected = Self.reference(bytes[o..<(o + l)])
            expected[.sha1] = nil
            #expect(r.digests == expected, "offset \(o) length \(l)")
        }
        await src.close()
    }

    @Test("a sparse file: holes hashed as zeros without reading them, digests equal to the bytes'")
    func sparse() async throws {
        let scratch = try Scratch()
        let size = 64 << 20
        var bytes = [UInt8](repeating: 0, count: size)
        // Data at the start, across a chunk edge, and in the last partial chunk.
        let pieces = [(0, 5000), ((17 << 20) - 300, 900), (size - 70_000, 70_000)]
        for (at, n) in pieces { bytes.replaceSubrange(at..<(at + n), with: Pattern.bytes(n)[...]) }
        let path = scratch.file("sparse.raw")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for (at, n) in pieces {
            try h.seek(toOffset: UInt64(at))
            try h.write(contentsOf: bytes[at..<(at + n)])
        }
        try h.truncate(atOffset: UInt64(size))
        try h.close()
        let src = try BlockSources.open(path: path)
        let media = MediaReader(src)
        guard let extents = media.dataExtents(), extents.reduce(0, { $0 + $1.count }) < size / 4 else {
            throw TestFailure("the scratch file system reports no holes (SEEK_DATA): \(String(describing: media.dataExtents()))")
        }
        let r = try await MediaHasher.hash(media, algorithms: HashAlgorithm.allCases,
                                           tuning: HashTuning(chunkSize: 1 << 20, depth: 4, warmReads: false))
        #expect(r.digests == Self.reference(bytes[...]))
        // Chunks with no data: all but the three (four: one piece straddles 17 MiB) that hold some.
        let dataChunks = Set(extents.flatMap { e in Int(e.lowerBound >> 20)...Int((e.upperBound - 1) >> 20) })
        #expect(r.holeBytes == Int64(size - dataChunks.count << 20), "\(dataChunks.sorted())")
        let read = media.statistics()[.background].bytes
        #expect(read == Int64(dataChunks.count << 20), "bytes read \(read)")
        // A range that starts and ends in holes.
        let range = try HashRange.resolve(offset: 3 << 20, length: 20 << 20, size: src.geometry.size)
        let part = try await MediaHasher.hash(media, algorithms: [.sha256], range: range)
        #expect(part.digests == [.sha256: Self.reference(bytes[(3 << 20)..<(23 << 20)])[.sha256]!])
        await src.close()
    }

    @Test("ranges outside the media are refused with the numbers")
    func badRanges() throws {
        #expect(throws: HashRangeError.self) { try HashRange.resolve(offset: 10, length: 1, size: 10) }
        #expect(throws: HashRangeError.self) { try HashRange.resolve(offset: -1, length: nil, size: 10) }
        #expect(throws: HashRangeError.self) { try HashRange.resolve(offset: 11, length: nil, size: 10) }
        #expect(try HashRange.resolve(offset: 4, length: nil, size: 10) == HashRange(offset: 4, length: 6))
    }

    @Test("a read error: every unreadable range listed, no digest")
    func readErrors() async throws {
        let data = Pattern.bytes(1 << 20)
        let src = FaultySource(data: data, bad: 300_000..<300_001)
        let r = try await MediaHasher.hash(MediaReader(src, residentReads: true), algorithms: HashAlgorithm.allCases,
                                           tuning: HashTuning(chunkSize: 64 << 10, depth: 4))
        #expect(!r.isComplete)
        #expect(r.digests.isEmpty)
        #expect(r.readErrors.count == 1)
        #expect(r.readErrors.first?.offset == 262_144 && r.readErrors.first?.length == 65_536)
        await src.close()
    }

    @Test("cancelling stops the pass: CancellationError, threads released")
    func cancel() async throws {
        let src = FaultySource(data: Pattern.bytes(8 << 20), bad: 0..<0)
        let started = Protected(0)
        let task = Task {
            try await MediaHasher.hash(MediaReader(src, residentReads: true), algorithms: HashAlgorithm.allCases,
                                       tuning: HashTuning(chunkSize: 4096, depth: 2)) { _ in
                started.withLock { $0 += 1 }
            }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        await src.close()
    }
}
