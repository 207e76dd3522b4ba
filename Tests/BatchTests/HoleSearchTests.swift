import BlockDevice
import Foundation
import Inspector
import Testing
import TestSupport

/// PatternSearch over real sparse files: holes skipped, edges still found.
@Suite("PatternSearch over sparse files")
struct HoleSearchTests {
    /// A sparse file on a disk file system: `size` bytes, `pieces` written at their offsets.
    final class SparseFile {
        let scratch: Scratch
        let path: String
        init(size: Int, pieces: [(Int, [UInt8])]) throws {
            scratch = try Scratch()
            path = try scratch.sparse("sparse.img", bytes: Int64(size))
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            for (off, bytes) in pieces {
                try h.seek(toOffset: UInt64(off))
                h.write(Data(bytes))
            }
            try h.close()
        }
        var bytes: [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }
    }

    static func run(_ path: String, _ pattern: [UInt8], chunk: Int, warm: Bool) async throws -> ([Int64], PatternSearch.Outcome) {
        let src = MediaReader(try BlockSources.open(path: path, options: BlockSourceOptions(engine: .auto, slots: 4)), residentReads: warm)
        var s = PatternSearch(pattern: pattern)
        s.chunk = chunk
        s.depth = 3
        s.useWarmReads = warm
        var found: [Int64] = []
        do {
            let outcome = try await s.run(src, onMatch: { found.append($0); return true })
            await src.close()
            return (found, outcome)
        } catch {
            await src.close()
            throw error
        }
    }

    @Test("matches straddling hole edges and chunk boundaries; holes not read", arguments: [false, true])
    func holeEdges(warm: Bool) async throws {
        let mib = 1 << 20
        // Data blocks in a 16 MiB file; the pattern's non-zero byte sits at a data
        // edge so that the rest of the match is in the hole.
        var block = [UInt8](repeating: 0x11, count: 8192)
        block[0] = 0xAB  // at a data start: "00 00 00 AB" straddles hole → data
        block[8191] = 0xCD  // at a data end: "CD 00 00 00" straddles data → hole
        block[4093] = 0xAB  // inside, across a 4 KiB chunk boundary: "00 00 00 AB" needs zeros…
        let file = try SparseFile(size: 16 * mib, pieces: [(2 * mib, block), (9 * mib, block), (16 * mib - 8192, block)])
        let all = file.bytes
        for pattern: [UInt8] in [[0, 0, 0, 0xAB], [0xCD, 0, 0, 0], [0x11, 0xCD, 0], [0x11, 0x11, 0x11, 0x11, 0x11, 0xAB]] {
            let expected = MatchScannerTests.fastNaive(pattern, all)
            let (found, outcome) = try await Self.run(file.path, pattern, chunk: 4096, warm: warm)
            #expect(found == expected, "pattern \(pattern)")
            #expect(outcome.bytesScanned < Int64(all.count) / 4, "holes were read: \(outcome.bytesScanned) B")
        }
        let none = try await Self.run(file.path, [0xAB, 0xAB], chunk: 8192, warm: warm)
        #expect(none.0.isEmpty)
    }

    @Test("an all-zero pattern reads the holes too")
    func zeroPattern() async throws {
        let file = try SparseFile(size: 1 << 20, pieces: [(65536, [UInt8](repeating: 7, count: 4096))])
        let (found, outcome) = try await Self.run(file.path, [0, 0, 0, 0, 0, 0, 0, 0], chunk: 65536, warm: false)
        #expect(outcome.bytesScanned == 1 << 20)
        let before = 65536 - 7
        let after = (1 << 20) - 65536 - 4096 - 7
        #expect(found.count == before + after)
    }

    @Test("scan ranges widen data by m-1, round to the alignment and merge")
    func ranges() {
        let r = DataExtents.scanRanges(data: [4096..<8192, 12288..<16384, 100_000..<100_001], size: 200_000,
                                       pattern: [1, 2, 3], alignment: 4096)
        #expect(r == [0..<20480, 98304..<102400])
        #expect(DataExtents.scanRanges(data: nil, size: 10, pattern: [1], alignment: 512) == [0..<10])
        #expect(DataExtents.scanRanges(data: [], size: 10, pattern: [0], alignment: 512) == [0..<10])
        #expect(DataExtents.scanRanges(data: [], size: 10, pattern: [1], alignment: 512).isEmpty)
    }
}
