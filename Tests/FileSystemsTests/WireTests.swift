@testable import FileSystems
import Testing

/// The worker's pipe format: what the worker writes, the client reads back,
/// and what a confused worker sends is refused, never trusted.
struct WireTests {
    @Test func fieldsRoundTripWithEscapes() throws {
        var w = FrameWriter()
        w.begin(.entry)
        w.field(UInt64(65))
        w.field("a\tb\nc\\d")
        w.field(nil as String?)
        w.field("")
        w.field(true)
        w.end()
        let bytes = w.bytes
        #expect(bytes[0] == Wire.Kind.entry.rawValue)
        let n = Int(bytes[1]) | Int(bytes[2]) << 8
        #expect(n == bytes.count - 5)
        try bytes.withUnsafeBytes { p throws in
            var f = FieldReader(UnsafeRawBufferPointer(rebasing: p[5...]))
            #expect(try f.int() as UInt64 == 65)
            #expect(try f.string() == "a\tb\nc\\d")
            #expect(try f.string() == nil)
            #expect(try f.string() == "")
            #expect(try f.bool())
        }
    }

    @Test func badNumbersAreProtocolErrors() throws {
        let text = Array("12x\t-1".utf8)
        text.withUnsafeBytes { p in
            var f = FieldReader(p)
            // Each failed read moves past its field.
            #expect(throws: FileSystemError.self) { _ = try f.int() as UInt64 }
            #expect(throws: FileSystemError.self) { _ = try f.int() as UInt64 }  // negative into unsigned
            #expect(throws: FileSystemError.self) { _ = try f.text() }  // past the end
        }
    }

    /// An entry frame as `WorkerLoop.entry` writes it.
    static func entryFrame(inode: UInt64 = 65, flags: UInt8 = 0b01111, attr: (UInt32, UInt16) = (128, 2),
                           strings: [String?] = ["docs/", "ledger.txt", nil, nil, nil]) -> [UInt8] {
        var w = FrameWriter()
        w.begin(.entry)
        w.le(inode)
        w.u8(flags)
        w.le(attr.0)
        w.le(attr.1)
        w.u8(0x72)
        w.u8(0x72)
        w.le(Int64(1234))
        for v: UInt32 in [0o644, 0, 0] { w.le(v) }
        w.le(Int32(1))
        w.le(Int64(1_700_000_000)); w.le(UInt32(5))
        for _ in 0..<3 { w.le(Int64(0)); w.le(UInt32(0)) }
        for s in strings { w.blob(s) }
        w.end()
        return w.bytes
    }

    static func payload(_ frame: [UInt8]) -> [UInt8] { Array(frame[5...]) }

    @Test func entryFrameDecodes() throws {
        let e = try Self.payload(Self.entryFrame()).withUnsafeBytes { try Decode.entry($0) }
        #expect(e.flsLine == "r/r * 65-128-2(realloc):\tdocs/ledger.txt")
        #expect(e.times.modified == FSTime(seconds: 1_700_000_000, nanoseconds: 5))
        #expect(e.times.accessed == nil)
        #expect(e.size == 1234 && e.mode == 0o644 && e.linkCount == 1 && e.shortName == nil)
    }

    @Test func batchKeepsEveryEntryAndRepairsUTF8() throws {
        var batch = FSEntryBatch()
        try Self.payload(Self.entryFrame()).withUnsafeBytes { try batch.append(frame: $0) }
        var bad = Self.entryFrame(inode: 7, flags: 0, strings: ["", "x", "SHORT~1", "ads", "target"])
        // An invalid UTF-8 byte in the name: U+FFFD, as String(decoding:) makes it.
        let at = bad.firstIndex(of: UInt8(ascii: "x"))!
        bad[at] = 0xFF
        try Self.payload(bad).withUnsafeBytes { try batch.append(frame: $0) }
        let all = batch.entries
        #expect(all.count == 2)
        #expect(all[0] == (try Self.payload(Self.entryFrame()).withUnsafeBytes { try Decode.entry($0) }))
        #expect(all[1].name == "\u{FFFD}" && all[1].shortName == "SHORT~1" && all[1].stream == "ads" && all[1].linkTarget == "target")
        #expect(all[1].attribute == nil && all[1].metaAllocated == nil && !all[1].deleted)
    }

    /// Hostile entry frames: every cut of a good frame, an absurd string
    /// length, a missing name, bytes past the fields — one error, no trap.
    @Test func hostileEntryFramesAreRefused() throws {
        let good = Self.payload(Self.entryFrame())
        for cut in 0..<good.count {
            let short = Array(good[..<cut])
            #expect(throws: FileSystemError.self, "cut at \(cut)") { try short.withUnsafeBytes { _ = try Decode.entry($0) } }
            var batch = FSEntryBatch()
            #expect(throws: FileSystemError.self) { try short.withUnsafeBytes { try batch.append(frame: $0) } }
            #expect(batch.isEmpty)
        }
        // The parent's length says 4 GiB - 2.
        var huge = good
        let parentAt = 8 + 1 + 4 + 2 + 2 + 8 + 12 + 4 + 48
        huge.replaceSubrange(parentAt..<(parentAt + 4), with: [0xFE, 0xFF, 0xFF, 0xFF])
        #expect(throws: FileSystemError.self) { try huge.withUnsafeBytes { _ = try Decode.entry($0) } }
        let noName = Self.payload(Self.entryFrame(strings: ["a/", nil, nil, nil, nil]))
        #expect(throws: FileSystemError.self) { try noName.withUnsafeBytes { _ = try Decode.entry($0) } }
        let extra = good + [0]
        #expect(throws: FileSystemError.self) { try extra.withUnsafeBytes { _ = try Decode.entry($0) } }
        do {
            _ = try huge.withUnsafeBytes { try Decode.entry($0) }
        } catch {
            #expect(!"\(error)".contains("\n"))
        }
    }

    static func extent(_ block: UInt64, _ count: UInt64, off: Int64 = 0, alloc: UInt8 = 1) -> [UInt8] {
        var w = FrameWriter()
        w.le(block)
        w.le(count)
        w.le(UInt64(12))
        w.le(UInt32(1))
        w.le(UInt16(0))
        w.le(off)
        w.u8(alloc)
        return w.bytes
    }

    @Test func packedExtentsDecode() throws {
        let p = Self.extent(10, 4, off: 4096) + Self.extent(50, 1)
        #expect(p.count == 2 * FSOwnerExtent.wireSize)
        var out: [FSOwnerExtent] = []
        try p.withUnsafeBytes { try Decode.extents($0, blockSize: 4096, into: &out) }
        #expect(out == [FSOwnerExtent(block: 10, count: 4, inode: 12, attribute: FSAttribute(type: 1, id: 0), fileOffset: 4096, metaAllocated: true),
                        FSOwnerExtent(block: 50, count: 1, inode: 12, attribute: FSAttribute(type: 1, id: 0), fileOffset: 0, metaAllocated: true)])
    }

    /// Hostile extents: a cut record, zero or absurd counts, offsets that
    /// overflow, a flag that is not 0/1 — one error, no trap.
    @Test func hostileExtentFramesAreRefused() throws {
        let cases: [[UInt8]] = [
            Array(Self.extent(10, 4).dropLast()),
            Self.extent(10, 0),
            Self.extent(.max - 1, 4),
            Self.extent(10, .max),
            Self.extent(10, 1 << 60),
            Self.extent(10, 4, off: .max - 100),
            Self.extent(10, 4, off: -1),
            Self.extent(10, 4, alloc: 7),
        ]
        for (i, c) in cases.enumerated() {
            var out: [FSOwnerExtent] = []
            #expect(throws: FileSystemError.self, "case \(i)") { try c.withUnsafeBytes { try Decode.extents($0, blockSize: 4096, into: &out) } }
        }
    }

    @Test func isoTimes() {
        #expect(FSTime(seconds: 0, nanoseconds: 0).iso8601 == "1970-01-01T00:00:00Z")
        #expect(FSTime(seconds: 951_782_400, nanoseconds: 1).iso8601 == "2000-02-29T00:00:00.000000001Z")
        #expect(FSTime(seconds: -1, nanoseconds: 0).iso8601 == "1969-12-31T23:59:59Z")
    }

    @Test func ownerMapLookup() {
        let info = FSInfo(type: "ext4", blockSize: 1024, blockCount: 100, lastBlock: 99, firstInode: 1, lastInode: 100, rootInode: 2, offset: 1 << 20)
        let map = FSOwnerMap(info: info, extents: [
            FSOwnerExtent(block: 50, count: 4, inode: 12, attribute: FSAttribute(type: 1, id: 0), fileOffset: 4096, metaAllocated: true),
            FSOwnerExtent(block: 10, count: 1, inode: 11, attribute: FSAttribute(type: 1, id: 0), fileOffset: 0, metaAllocated: false),
        ], crossLinked: 0, outOfRange: 0)
        #expect(map.owner(ofMediaOffset: (1 << 20) + 52 * 1024 + 7) == FSOwnerHit(inode: 12, attribute: FSAttribute(type: 1, id: 0), fileOffset: 4096 + 2048 + 7, metaAllocated: true))
        #expect(map.owner(ofMediaOffset: (1 << 20) + 10 * 1024)?.inode == 11)
        #expect(map.owner(ofMediaOffset: (1 << 20) + 54 * 1024) == nil)
        #expect(map.owner(ofMediaOffset: 5) == nil)  // before the file system
        #expect(map.owner(ofMediaOffset: (1 << 20) + 100 * 1024) == nil)  // past its last block
        #expect(info.mediaOffset(block: .max) == nil)
    }
}
