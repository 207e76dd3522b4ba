import Foundation
import TestSupport
import Testing

/// `blkview undo` on journals that were damaged after the patch, or forged:
/// the real binary on real files. A damaged journal never ends in exit 0
/// with an image that is neither the original nor the patched one.
@Suite("blkview undo: damaged and forged journals", .serialized)
struct UndoDamagedJournalTests {
    /// Version 2 record layout: header 36 bytes, original N, patched N, CRC 4.
    static let recordHeader = 36
    static let block = 65536
    static let recordLength = recordHeader + 2 * block + 4

    /// A 1 MiB random image, a copy of it, and a completed 5-block patch
    /// (5 × 64 KiB at 0x10000) with its journal.
    struct Patched {
        let dir: Scratch
        let image: String, original: String, journal: String
        let before: String, after: String
        var headerLength: Int {
            let d = [UInt8](FileManager.default.contents(atPath: journal)!)
            return Int(d[12]) | Int(d[13]) << 8 | Int(d[14]) << 16 | Int(d[15]) << 24
        }
        var lastRecord: Int { headerLength + 4 * UndoDamagedJournalTests.recordLength }
    }

    static func patched(_ dir: Scratch) throws -> Patched {
        let f = try dir.file("disk.img", size: 1 << 20, random: true)
        let orig = "\(dir.path)/orig.img"
        try Subprocess.sh("cp '\(f)' '\(orig)'")
        let j = "\(dir.path)/j.bvundo"
        try Subprocess.sh("head -c \(5 * block) /dev/urandom > '\(dir.path)/p.bin'")
        let r = try Harness.blkview("patch", f, "--at", "0x10000", "--from", "\(dir.path)/p.bin", "--journal", j)
        try #require(r.status == 0 && r.stdout.contains("5 blocks"), "\(r.stdout) \(r.stderr)")
        return Patched(dir: dir, image: f, original: orig, journal: j, before: try PatchCommandTests.sha(orig),
                       after: try PatchCommandTests.sha(f))
    }

    static func edit(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&d)
        try Data(d).write(to: URL(fileURLWithPath: path))
    }

    /// The rule of the issue: exit 0 only with the original image back.
    static func neverNeither(_ r: Subprocess.Result, _ p: Patched, _ what: String) throws {
        let now = try PatchCommandTests.sha(p.image)
        if r.status == 0 {
            #expect(now == p.before, "\(what): exit 0, but the image is not the original:\n\(r.stdout)")
        } else {
            #expect(now == p.after, "\(what): refused, and the image changed")
            #expect(r.status == 1 && r.stderr.hasPrefix("Error: refusing to undo:"), "\(what): \(r.status) \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(what): one line: \(r.stderr)")
        }
    }

    @Test("a journal cut inside its last record's original bytes: the block was written and cannot be restored: refused")
    func truncatedInOriginal() throws {
        let p = try Self.patched(try Scratch())
        try #require(truncate(p.journal, off_t(p.lastRecord + Self.recordHeader + 1000)) == 0)
        let r = try Harness.blkview("undo", p.journal)
        #expect(r.status != 0)
        #expect(r.stderr.contains("last record (4,") && r.stderr.contains("at 0x50000 holds its patched bytes (the patch wrote it)")
                && r.stderr.contains("cut short") && r.stderr.contains("nothing was written"), "\(r.stderr)")
        #expect(!r.stdout.contains("restored"))
        try Self.neverNeither(r, p, "cut in the original bytes")
    }

    @Test("a journal cut inside its last record's patched bytes, or a flipped patched byte: its intact original is restored")
    func originalIntact() throws {
        for (what, damage) in [("cut", { (d: inout [UInt8], at: Int) in d.removeLast(d.count - (at + Self.recordHeader + Self.block + 100)) }),
                               ("flipped", { (d: inout [UInt8], at: Int) in d[at + Self.recordHeader + Self.block + 7] ^= 0x40 })] {
            let p = try Self.patched(try Scratch())
            try Self.edit(p.journal) { damage(&$0, p.lastRecord) }
            let r = try Harness.blkview("undo", p.journal)
            #expect(r.status == 0, "\(what): \(r.stderr)")
            #expect(r.stdout.contains("damaged last record 4: its block at 0x50000 was written; its original bytes are intact"),
                    "\(what): \(r.stdout)")
            #expect(r.stdout.contains("5 blocks restored"), "\(what): \(r.stdout)")
            try Self.neverNeither(r, p, what)
            #expect(try PatchCommandTests.sha(p.image) == p.before)
        }
    }

    @Test("a flipped byte in the last record's original bytes, or in its header: cannot be decided, refused")
    func flippedUndecidable() throws {
        let cases: [(String, Int, String)] = [
            ("original bytes", Self.recordHeader + 5000, "the journal's copy of its original bytes is damaged"),
            ("record header", 9, "its header is lost"),
        ]
        for (what, at, needle) in cases {
            let p = try Self.patched(try Scratch())
            try Self.edit(p.journal) { $0[p.lastRecord + at] ^= 0x01 }
            for dry in [true, false] {
                let r = try Subprocess.run(Harness.blkview, ["undo", p.journal] + (dry ? ["--dry-run"] : []))
                #expect(r.status != 0 && r.stderr.contains(needle), "\(what): \(r.stderr)")
                try Self.neverNeither(r, p, what)
            }
        }
    }

    @Test("a crash while appending the last record (its block never written): ignored, and the image is the original")
    func crashShape() throws {
        let p = try Self.patched(try Scratch())
        // As if the patch died during the fifth append: that block was never
        // written (put its original back), and its record is cut short.
        try Subprocess.sh("dd if='\(p.original)' of='\(p.image)' bs=65536 skip=5 seek=5 count=1 conv=notrunc status=none")
        try #require(truncate(p.journal, off_t(p.lastRecord + Self.recordHeader + 30000)) == 0)
        let r = try Harness.blkview("undo", p.journal)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("damaged last record 4 ignored: its block at 0x50000 still holds its original bytes (never written)"),
                "\(r.stdout)")
        #expect(r.stdout.contains("4 blocks restored"), "\(r.stdout)")
        #expect(try PatchCommandTests.sha(p.image) == p.before)
    }

    @Test("the damaged last record's block holds neither version: refused")
    func neitherVersion() throws {
        let p = try Self.patched(try Scratch())
        try Subprocess.sh("head -c 100 /dev/urandom | dd of='\(p.image)' bs=1 seek=\(0x50000 + 300) conv=notrunc status=none")
        let changed = try PatchCommandTests.sha(p.image)
        try #require(truncate(p.journal, off_t(p.lastRecord + 500)) == 0)
        let r = try Harness.blkview("undo", p.journal)
        #expect(r.status != 0 && r.stderr.contains("holds neither that record's original nor its patched bytes"), "\(r.stderr)")
        #expect(try PatchCommandTests.sha(p.image) == changed, "nothing written")
    }

    /// CRC-32C (Castagnoli), written here independently of the product's.
    static func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        }
        return ~c
    }

    static func put32(_ d: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { d[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
    }

    @Test("a forged record offset of 0x7FFFFFFFFFFFFE00 with its CRCs recomputed: one line naming the record, no trap")
    func forgedOffset() throws {
        let p = try Self.patched(try Scratch())
        let second = p.headerLength + Self.recordLength
        try Self.edit(p.journal) { d in
            for i in 0..<8 { d[second + 8 + i] = UInt8(truncatingIfNeeded: UInt64(0x7FFF_FFFF_FFFF_FE00) >> (8 * i)) }
            Self.put32(&d, second + 32, Self.crc32c(d[second..<(second + 32)]))
            let end = second + Self.recordLength - 4
            Self.put32(&d, end, Self.crc32c(d[second..<end]))
        }
        for extra in [[], ["--dry-run"], ["--accept-torn"]] {
            let r = try Subprocess.run(Harness.blkview, ["undo", p.journal] + extra)
            #expect(r.status == 1, "\(extra): status \(r.status) (a trap is 132 or 133): \(r.stderr)")
            #expect(r.stderr.contains("refusing to undo: record 1 (0x7ffffffffffffe00, 65536 B) does not fit"), "\(r.stderr)")
            try Self.neverNeither(r, p, "forged offset \(extra)")
        }
    }
}
