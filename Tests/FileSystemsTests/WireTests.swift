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

    @Test func entryFrameDecodes() throws {
        var w = FrameWriter()
        w.begin(.entry)
        for v: Int64 in [65, 1, 128, 2, 0x72, 0x72, 1, 1, 1, 0, 1234, 0o644, 0, 0, 1, 1_700_000_000, 5, 0, 0, 0, 0, 0, 0] { w.field(v) }
        w.field("docs/")
        w.field("ledger.txt")
        w.field(nil as String?)
        w.field(nil as String?)
        w.field(nil as String?)
        w.end()
        let e = try w.bytes.withUnsafeBytes { try Decode.entry(UnsafeRawBufferPointer(rebasing: $0[5...])) }
        #expect(e.flsLine == "r/r * 65-128-2(realloc):\tdocs/ledger.txt")
        #expect(e.times.modified == FSTime(seconds: 1_700_000_000, nanoseconds: 5))
        #expect(e.times.accessed == nil)
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
