import Foundation
import TestSupport
import Inspector
import LinuxAIO
import Testing

/// The canonical formatter against the real `hexdump -C` on the same bytes.
@Suite("HexdumpFormatter")
struct HexdumpFormatterTests {
    /// Formats `bytes` (which sit at `start` in the file) fed in `pieces`-sized parts.
    static func format(_ bytes: [UInt8], start: Int64 = 0, pieces: [Int] = [1 << 20], emptyRange: Bool = false) -> String {
        var f = HexdumpFormatter(start: start)
        let out = DumpBuffer(capacity: 64)
        var i = 0
        var k = 0
        bytes.withUnsafeBytes { all in
            while i < bytes.count {
                let n = min(pieces[k % pieces.count], bytes.count - i)
                f.feed(UnsafeRawBufferPointer(rebasing: all[i..<(i + n)]), into: out)
                i += n
                k += 1
            }
        }
        f.finish(into: out, emptyRange: emptyRange)
        return String(decoding: out.array, as: UTF8.self)
    }

    /// `hexdump -C -s start -n count` of a file holding `prefix` zero bytes and then `bytes`.
    static func hexdump(_ bytes: [UInt8], start: Int64 = 0) throws -> String {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = try scratch.sparse("hd.bin", bytes: start)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seek(toOffset: UInt64(start))
        h.write(Data(bytes))
        try h.close()
        return try Subprocess.run("hexdump", ["-C", "-s", "\(start)", "-n", "\(bytes.count)", path]).stdout
    }

    /// Random bytes, runs of repeated 16-byte lines, text, a partial tail.
    static func mixed(_ seed: UInt64, count: Int) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = []
        while out.count < count {
            switch rng.next() % 4 {
            case 0: out += (0..<Int(rng.next() % 100)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1: out += [UInt8](repeating: 0, count: Int(rng.next() % 200))
            case 2:
                let line = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next() % 3) }
                for _ in 0..<Int(rng.next() % 5) { out += line }
            default: out += Array("the quick brown fox\n".utf8)
            }
        }
        return Array(out.prefix(count))
    }

    @Test("equals hexdump -C", .enabled(if: Capability.has("hexdump")),
          arguments: [(0, 0, 1), (1, 5, 1), (2, 16, 3), (3, 1000, 7), (4, 4099, 4096), (5, 65536, 17), (6, 333, 16)])
    func matchesHexdump(seed: UInt64, count: Int, piece: Int) throws {
        let bytes = Self.mixed(seed, count: count)
        // hexdump prints nothing at all for an empty file (or -n 0).
        #expect(Self.format(bytes, pieces: [piece, 1, 31], emptyRange: bytes.isEmpty) == (try Self.hexdump(bytes)))
    }

    @Test("unaligned start and offsets past 4 GiB", .enabled(if: Capability.has("hexdump")),
          arguments: [Int64(7), 0x1e, 4095, 0xFFFF_FFF3, 0x1_0000_0005])
    func unalignedStart(start: Int64) throws {
        let bytes = Self.mixed(UInt64(start), count: 777)
        #expect(Self.format(bytes, start: start, pieces: [13]) == (try Self.hexdump(bytes, start: start)))
    }

    @Test("repeated lines: one star, the next different line, then the end offset")
    func squeeze() {
        let bytes = [UInt8](repeating: 0, count: 40)
        #expect(Self.format(bytes) == """
        00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
        *
        00000020  00 00 00 00 00 00 00 00                           |........|
        00000028

        """)
    }

    @Test("a partial line is padded in the hex columns, not in the characters")
    func partial() {
        #expect(Self.format(Array("abcd\n".utf8)) == "00000000  61 62 63 64 0a                                    |abcd.|\n00000005\n")
    }

    @Test("an empty range prints nothing; an empty read at the end prints the offset")
    func empty() {
        #expect(Self.format([], start: 40, emptyRange: true) == "")
        #expect(Self.format([], start: 40) == "00000028\n")
    }
}

