import BlockDevice
import Foundation
import Inspector
import LinuxAIO
import Testing
import TestSupport

/// The one search engine in both directions, over real sparse files (truncate
/// and data islands written at their offsets) and a failing source: forward
/// from any offset and backward to any offset give exactly what a naive scan
/// of the whole file gives, overlapping and straddling matches included,
/// holes not read, unreadable ranges skipped and reported.
@Suite("PatternSearch forward and backward")
struct SearchEngineTests {
    static let mib = 1 << 20

    /// 24 MiB sparse: islands at 1 MiB (with overlapping "aaaa" runs), across the
    /// 8 MiB chunk edge, and at the very end; "NEEDLE" straddles 4 KiB chunk edges.
    static func islands() throws -> HoleSearchTests.SparseFile {
        func island(_ seed: UInt64, _ count: Int, needles: [Int]) -> [UInt8] {
            var b = Scratch.random(count: count, seed: seed).map { $0 == 0x4E || $0 == 0x61 ? 0x20 : $0 }
            for n in needles { b.replaceSubrange(n..<n + 6, with: Array("NEEDLE".utf8)) }
            return b
        }
        var first = island(1, 3 * 4096, needles: [0, 4093, 8190, 12282])
        first.replaceSubrange(100..<106, with: Array("aaaaaa".utf8))
        return try HoleSearchTests.SparseFile(size: 24 * mib, pieces: [
            (mib, first),
            (8 * mib - 4096, island(2, 8192, needles: [4093, 4094 - 100])),
            (24 * mib - 4096, island(3, 4096, needles: [4090])),
        ])
    }

    /// 16 TiB - 4 KiB (ext4's largest file) of holes with NEEDLE 1 TiB + 123 and 12 TiB + 77 in.
    static func sixteenTiB() throws -> HoleSearchTests.SparseFile {
        let needle = Array("NEEDLE".utf8)
        return try HoleSearchTests.SparseFile(size: (16 << 40) - 4096, pieces: [((1 << 40) + 123, needle), ((12 << 40) + 77, needle)])
    }

    static func open(_ path: String) throws -> MediaReader {
        MediaReader(try BlockSources.open(path: path, options: BlockSourceOptions(engine: .auto, slots: 4)))
    }

    static func engine(_ pattern: String, chunk: Int) -> PatternSearch {
        var s = PatternSearch(pattern: Array(pattern.utf8))
        s.chunk = chunk
        s.depth = 3
        return s
    }

    @Test("forward from any offset: every match at or after it, overlapping and straddling ones included",
          arguments: [4096, 8192, 1 << 20])
    func forward(chunk: Int) async throws {
        let file = try Self.islands()
        let all = file.bytes
        let media = try Self.open(file.path)
        for pattern in ["NEEDLE", "aa", "EDLE"] {
            let expected = MatchScannerTests.fastNaive(Array(pattern.utf8), all)
            #expect(expected.count >= 3, "the image has \(pattern)")
            let s = Self.engine(pattern, chunk: chunk)
            let froms: [Int64] = [0] + expected.flatMap { (e: Int64) -> [Int64] in [e - 1, e, e + 1] }
            for from in froms {
                var found: [Int64] = []
                let outcome = try await s.run(media, from: from, onMatch: { found.append($0); return true })
                #expect(found == expected.filter { $0 >= from }, "\(pattern) from \(from)")
                #expect(outcome.bytesScanned < 1 << 20, "holes were read: \(outcome.bytesScanned) B")
            }
        }
        await media.close()
    }

    @Test("backward to any offset: the last match at or before it, straddling chunk edges and data edges",
          arguments: [4096, 8192, 1 << 20])
    func backward(chunk: Int) async throws {
        let file = try Self.islands()
        let all = file.bytes
        let media = try Self.open(file.path)
        for pattern in ["NEEDLE", "aa", "EDLE"] {
            let expected = MatchScannerTests.fastNaive(Array(pattern.utf8), all)
            let s = Self.engine(pattern, chunk: chunk)
            let size = Int64(all.count)
            let throughs: [Int64] = [size - 1, 0] + expected.flatMap { (e: Int64) -> [Int64] in [e - 1, e, e + 1] }
            for through in throughs where through >= 0 {
                let (hit, outcome) = try await s.last(in: media, atOrBefore: through)
                #expect(hit == expected.last { $0 <= through }, "\(pattern) through \(through)")
                #expect(outcome.bytesScanned < 1 << 20, "holes were read: \(outcome.bytesScanned) B")
            }
        }
        await media.close()
    }

    @Test("n from the start and N from the end walk the same matches as one full run, in opposite orders")
    func walks() async throws {
        let file = try Self.islands()
        let media = try Self.open(file.path)
        let s = Self.engine("aa", chunk: 4096)  // overlapping: aaaaaa holds five
        var all: [Int64] = []
        _ = try await s.run(media, onMatch: { all.append($0); return true })
        #expect(all == MatchScannerTests.fastNaive(Array("aa".utf8), file.bytes))
        var forward: [Int64] = []
        var at: Int64 = 0
        while let hit = try await s.next(in: media, from: at, forward: true).match {
            forward.append(hit)
            at = hit + 1
        }
        var backward: [Int64] = []
        at = media.geometry.size - 1
        while at >= 0, let hit = try await s.next(in: media, from: at, forward: false).match {
            backward.append(hit)
            at = hit - 1
        }
        #expect(forward == all)
        #expect(backward == all.reversed())
        await media.close()
    }

    @Test("a pattern longer than the chunk straddles several chunks in both directions")
    func longPattern() async throws {
        let long = Scratch.random(count: 10_000, seed: 9)
        let file = try HoleSearchTests.SparseFile(size: 4 * Self.mib, pieces: [(Self.mib + 777, long), (3 * Self.mib - 5000, long)])
        let media = try Self.open(file.path)
        var s = PatternSearch(pattern: long)
        s.chunk = 4096
        var found: [Int64] = []
        _ = try await s.run(media, onMatch: { found.append($0); return true })
        #expect(found == [Int64(Self.mib + 777), Int64(3 * Self.mib - 5000)])
        #expect(try await s.last(in: media, atOrBefore: media.geometry.size - 1).match == Int64(3 * Self.mib - 5000))
        #expect(try await s.last(in: media, atOrBefore: Int64(3 * Self.mib - 5001)).match == Int64(Self.mib + 777))
        #expect(try await s.last(in: media, atOrBefore: Int64(Self.mib + 776)).match == nil)
        await media.close()
    }

    @Test("a 16 TiB - 4 KiB sparse image: both matches found forward and backward without reading the holes")
    func huge() async throws {
        let file = try Self.sixteenTiB()
        let path = file.path
        let media = try Self.open(path)
        let s = Self.engine("NEEDLE", chunk: 1 << 20)
        let a = try await s.next(in: media, from: 0, forward: true)
        let b = try await s.next(in: media, from: (1 << 40) + 124, forward: true)
        let c = try await s.next(in: media, from: media.geometry.size - 1, forward: false)
        let d = try await s.next(in: media, from: (12 << 40) + 76, forward: false)
        #expect(a.match == (1 << 40) + 123 && b.match == (12 << 40) + 77)
        #expect(c.match == (12 << 40) + 77 && d.match == (1 << 40) + 123)
        for o in [a, b, c, d] { #expect(o.outcome.bytesScanned <= 1 << 20) }
        await media.close()
    }

    @Test("unreadable ranges are skipped and reported in both directions, never taken as zeros")
    func unreadable() async throws {
        var data = ChunkReaderFailureTests.image(4 << 20)
        let bad: Range<Int64> = 0x200000..<0x210000
        // "AB" then zeros would match "AB 00 00" if the bad range read as zeros.
        data.replaceSubrange(0x1ffffe..<0x200000, with: [0xAB, 0xCD])
        data.replaceSubrange(0x100000..<0x100004, with: [0xAB, 0xCD, 0, 0])
        data.replaceSubrange(0x300000..<0x300004, with: [0xAB, 0xCD, 0, 0])
        let src = FlakySource(bytes: data, bad: [bad])
        let media = MediaReader(src)
        var s = PatternSearch(pattern: [0xAB, 0xCD, 0, 0])
        s.chunk = 1 << 20
        s.skipHoles = false
        let f = try await s.next(in: media, from: 0x100001, forward: true)
        #expect(f.match == 0x300000)
        #expect(f.outcome.unreadable.map(\.range) == [bad])
        let b = try await s.next(in: media, from: 0x2fffff, forward: false)
        #expect(b.match == 0x100000)
        #expect(b.outcome.unreadable.map(\.range) == [bad])
        await src.close()
    }

    @Test("a media size near Int64.max (a hostile header) is refused with an error, in both directions, without a trap")
    func hostileSize() async throws {
        let src = SlowSource(size: Int64.max - 100, delayMicroseconds: 0)
        let media = MediaReader(src)
        let s = PatternSearch(pattern: Array("NEEDLE".utf8))
        for forward in [true, false] {
            await #expect(throws: MediaSizeError.self) {
                _ = try await s.next(in: media, from: forward ? 0 : Int64.max - 101, forward: forward)
            }
        }
        await src.close()
    }

    @Test("cancelling the task stops a search of a slow source between chunks")
    func cancels() async throws {
        let src = SlowSource(size: 1 << 40, delayMicroseconds: 20_000)
        let media = MediaReader(src)
        let started = Protected(false)
        let task = Task {
            var s = PatternSearch(pattern: Array("NOT-THERE".utf8))
            s.chunk = 1 << 20
            return try await s.next(in: media, from: 0, forward: true) { _, _ in
                started.withLock { $0 = true }
                return true
            }
        }
        // Generous: in the full suite, end-to-end tests that wait on child
        // processes hold the cooperative pool's threads (two on two cores) for
        // minutes, and the search task may not be scheduled before they end.
        try await eventually("the search scans", seconds: 600) { started.withLock { $0 } }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        await src.close()
    }
}

/// A source of zeros that takes `delayMicroseconds` per read (no hole map: all data).
final class SlowSource: BlockSource, Sendable {
    let path = "/slow/disk"
    let kind = SourceKind.regularFile
    let geometry: Geometry
    let engine: any IOEngine = ThreadPoolEngine(slots: 4)
    let delay: UInt64

    init(size: Int64, delayMicroseconds: UInt64) {
        geometry = Geometry(size: size, logicalSectorSize: 512, physicalSectorSize: 512,
                            alignment: DirectIOAlignment(memory: 512, offset: 512))
        delay = delayMicroseconds
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await Task.sleep(nanoseconds: delay * 1000)
        let n = Int(min(Int64(length), geometry.size - offset))
        buffer.baseAddress.initializeMemory(as: UInt8.self, repeating: 0, count: n)
        return n
    }

    func close() async { await engine.shutdown() }
}
