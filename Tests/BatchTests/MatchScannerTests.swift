import Foundation
import Inspector
import LinuxAIO
import Testing

/// The streaming scanner against a naive search of the whole buffer.
@Suite("MatchScanner")
struct MatchScannerTests {
    /// Every start index of `p` in `w`, overlapping ones included.
    static func naive(_ p: [UInt8], _ w: [UInt8]) -> [Int64] {
        guard w.count >= p.count else { return [] }
        return (0...(w.count - p.count)).filter { Array(w[$0..<($0 + p.count)]) == p }.map { Int64($0) }
    }

    /// The same as `naive`, quick enough for megabytes in a debug build.
    static func fastNaive(_ p: [UInt8], _ w: [UInt8]) -> [Int64] {
        guard w.count >= p.count else { return [] }
        return w.withUnsafeBufferPointer { wb in
            p.withUnsafeBufferPointer { pb in
                var out: [Int64] = []
                let first = pb[0]
                for i in 0...(wb.count - pb.count) where wb[i] == first {
                    if memcmp(wb.baseAddress! + i, pb.baseAddress!, pb.count) == 0 { out.append(Int64(i)) }
                }
                return out
            }
        }
    }

    /// Scans `w` fed in pieces of the given sizes (cycled).
    static func scan(_ p: [UInt8], _ w: [UInt8], pieces: [Int], base: Int64 = 0) -> [Int64] {
        var s = MatchScanner(pattern: p)
        s.reset(at: base)
        var out: [Int64] = []
        var i = 0
        var k = 0
        w.withUnsafeBytes { all in
            while i < w.count {
                let n = min(pieces[k % pieces.count], w.count - i)
                s.scan(UnsafeRawBufferPointer(rebasing: all[i..<(i + n)])) { out.append($0); return true }
                i += n
                k += 1
            }
        }
        return out.map { $0 - base }
    }

    @Test("overlapping matches: every start offset")
    func overlapping() {
        #expect(Self.scan([0x61, 0x61], Array("aaaa".utf8), pieces: [100]) == [0, 1, 2])
        #expect(Self.scan(Array("aba".utf8), Array("ababa".utf8), pieces: [1]) == [0, 2])
    }

    @Test("matches straddling piece boundaries, pieces of 1 to 9 bytes, patterns of 1 to 12",
          arguments: [1, 2, 3, 5, 8, 12])
    func straddling(patternLength: Int) {
        var rng = SplitMix64(seed: UInt64(patternLength))
        // A small alphabet so that matches (and near misses) are frequent.
        let w = (0..<5000).map { _ in UInt8(rng.next() % 3) }
        let p = Array(w[1234..<(1234 + patternLength)])
        let expected = Self.naive(p, w)
        #expect(!expected.isEmpty)
        for pieces in [[1], [2, 3], [7], [9, 1, 4], [4096]] {
            #expect(Self.scan(p, w, pieces: pieces, base: 1 << 40) == expected, "pieces \(pieces)")
        }
    }

    @Test("a pattern longer than the pieces")
    func longPattern() {
        var rng = SplitMix64(seed: 99)
        var w = (0..<3000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let p = Array(w[100..<400])  // 300 bytes
        w.replaceSubrange(2000..<2300, with: p)
        #expect(Self.scan(p, w, pieces: [64, 7, 128]) == [100, 2000])
    }

    @Test("stops when told")
    func stop() {
        var s = MatchScanner(pattern: [1])
        var seen: [Int64] = []
        let more = [UInt8](arrayLiteral: 0, 1, 1, 1).withUnsafeBytes { b in
            s.scan(b) { seen.append($0); return false }
        }
        #expect(!more && seen == [1])
    }

    @Test("the rare-byte finder picks punctuation over lower case and zeros")
    func rareByte() {
        let f = RareByteFinder(pattern: Array("abc#def".utf8))
        #expect(f.rareIndex == 3)
        #expect(RareByteFinder(pattern: [0, 0, 0x41, 0]).rareIndex == 2)
    }
}
