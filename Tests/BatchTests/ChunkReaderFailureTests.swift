import BlockDevice
import Foundation
import Inspector
import LinuxAIO
import Testing

/// A source that plays a failing disk the way pread does: a read that starts
/// in a bad range fails with EIO, one that runs into it returns the bytes
/// before it (a short count); with `shortOnce`, every first read of an
/// offset returns only half of what it asked (and the retry all of it).
final class FlakySource: BlockSource, @unchecked Sendable {
    // @unchecked: `asked` is guarded by `lock`; the rest is immutable.
    let path = "/flaky/disk"
    let kind = SourceKind.regularFile
    let geometry: Geometry
    let engine: any IOEngine = ThreadPoolEngine(slots: 4)
    let bytes: [UInt8]
    let bad: [Range<Int64>]
    let shortOnce: Bool
    private let lock = NSLock()
    private var asked: Set<Int64> = []

    init(bytes: [UInt8], bad: [Range<Int64>], shortOnce: Bool = false) {
        self.bytes = bytes
        self.bad = bad
        self.shortOnce = shortOnce
        geometry = Geometry(size: Int64(bytes.count), logicalSectorSize: 512, physicalSectorSize: 512,
                            alignment: DirectIOAlignment(memory: 512, offset: 512))
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        if bad.contains(where: { $0.contains(offset) }) {
            throw IOError(operation: .read, fd: -1, path: path, offset: offset, length: length, errno: .EIO)
        }
        var n = Int(min(Int64(length), Int64(bytes.count) - offset))
        if let next = bad.map(\.lowerBound).filter({ $0 > offset }).min() { n = min(n, Int(next - offset)) }
        if shortOnce, n > 512, lock.withLock({ asked.insert(offset).inserted }) { n = n / 2 / 512 * 512 }
        bytes.withUnsafeBytes { buffer.baseAddress.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: n) }
        return n
    }

    func close() async { await engine.shutdown() }
}

@Suite("ChunkReader on a failing source")
struct ChunkReaderFailureTests {
    static let badSets: [[Range<Int64>]] = [
        [0x200000..<0x210000],  // 64 KiB inside one chunk
        [0x1ffe00..<0x200400, 0x2ff000..<0x300000],  // across a chunk edge, and at a chunk's end
        [0..<512],  // the first sector
    ]

    static func image(_ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) } }

    /// Everything `next()` hands out, in order, or the error it ends with.
    static func drain(_ reader: ChunkReader) async -> (bytes: [(Int64, [UInt8])], error: (any Error)?) {
        var out: [(Int64, [UInt8])] = []
        do {
            while let c = try await reader.next() { out.append((c.offset, Array(c.bytes))) }
        } catch {
            await reader.finish()
            return (out, error)
        }
        await reader.finish()
        return (out, nil)
    }

    @Test("a short read is read again for the rest: every byte, no error")
    func shortThenComplete() async throws {
        let data = Self.image(3 << 20)
        let src = FlakySource(bytes: data, bad: [], shortOnce: true)
        let (chunks, error) = await Self.drain(ChunkReader(reader: MediaReader(src), ranges: [1000..<Int64(data.count)], chunk: 1 << 20))
        #expect(error == nil)
        #expect(chunks.flatMap(\.1) == Array(data[1000...]))
        await src.close()
    }

    @Test("without recovery: the bytes before the bad range, then an error naming where it starts")
    func stopsAtBadRange() async throws {
        let data = Self.image(4 << 20)
        let src = FlakySource(bytes: data, bad: [0x200000..<0x210000])
        let (chunks, error) = await Self.drain(ChunkReader(reader: MediaReader(src), ranges: [0x1f0000..<0x400000], chunk: 1 << 20))
        let e = try #require(error as? IOError)
        #expect(e.offset == 0x200000 && e.errno == .EIO)
        let got = chunks.flatMap(\.1)
        #expect(got == Array(data[0x1f0000..<0x200000]), "the bytes before the bad range, and nothing after it")
        await src.close()
    }

    @Test("with recovery: the bad ranges at their real size (sector edges), every other byte handed out",
          arguments: Self.badSets)
    func recovers(bad: [Range<Int64>]) async throws {
        let data = Self.image(4 << 20)
        let src = FlakySource(bytes: data, bad: bad)
        let reader = ChunkReader(reader: MediaReader(src), ranges: [0..<Int64(data.count)], chunk: 1 << 20)
        reader.recover = true
        let (chunks, error) = await Self.drain(reader)
        #expect(error == nil)
        #expect(reader.unreadable.map(\.range) == bad)
        var expected: [UInt8] = []
        var pos: Int64 = 0
        for r in bad {
            expected += data[Int(pos)..<Int(r.lowerBound)]
            pos = r.upperBound
        }
        expected += data[Int(pos)...]
        #expect(chunks.flatMap(\.1) == expected)
        // No chunk straddles a bad range, and the first after one starts a new run.
        for (offset, b) in chunks {
            let r = offset..<offset + Int64(b.count)
            #expect(!bad.contains { $0.overlaps(r) })
        }
        await src.close()
    }

    @Test("search across recovered ranges: a match after the bad range is found, none is made across it")
    func searchAcross() async throws {
        var data = Self.image(4 << 20)
        let needle = Array("NEEDLE".utf8)
        data.replaceSubrange(0x300000..<0x300006, with: needle)
        // "NEE" just before the bad range and "DLE" just after it must not make a match.
        data.replaceSubrange(0x1ffffd..<0x200000, with: needle[0..<3])
        data.replaceSubrange(0x210000..<0x210003, with: needle[3...])
        let src = FlakySource(bytes: data, bad: [0x200000..<0x210000])
        var search = PatternSearch(pattern: needle)
        search.useWarmReads = false
        search.skipHoles = false
        var found: [Int64] = []
        let outcome = try await search.run(MediaReader(src), onMatch: { found.append($0); return true })
        #expect(found == [0x300000])
        #expect(outcome.unreadable.map(\.range) == [0x200000..<0x210000])
        await src.close()
    }
}
