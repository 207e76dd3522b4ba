import DiskFormats
import Inspector
import LinuxAIO
import Testing

@Suite("Undo journal format")
struct JournalFormatTests {
    static let header = JournalHeader(path: "/var/tmp/disk.img", size: 1 << 20, unit: 512, logicalSectorSize: 512,
                                      device: 0x803, inode: 42, created: 1_700_000_000, identityLength: 4096,
                                      identityDigest: SHA256Digest.hash([1, 2, 3]))

    static func journal(records n: Int, version: UInt16 = JournalHeader.version) -> (bytes: [UInt8], records: [JournalRecord]) {
        var bytes = header.encoded(version: version)
        var recs: [JournalRecord] = []
        for i in 0..<n {
            let r = JournalRecord(sequence: UInt32(i), offset: Int64(i) * 512, sync: SyncLevel.allCases[i % 3],
                                  original: [UInt8](repeating: UInt8(i), count: 512),
                                  patched: [UInt8](repeating: UInt8(i + 100), count: 512))
            recs.append(r)
            bytes += r.encoded(version: version)
        }
        return (bytes, recs)
    }

    @Test("checksums: CRC-32C and SHA-256 check values")
    func checkValues() {
        #expect(CRC32C.checksum("123456789") == 0xE306_9283)
        #expect(SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex([UInt8](repeating: 0x61, count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test("header and records round-trip (version 2 written, version 1 still read)", arguments: [UInt16(1), 2])
    func roundTrip(version: UInt16) throws {
        let (bytes, recs) = Self.journal(records: 3, version: version)
        let p = try ParsedJournal.parse(bytes, name: "j")
        #expect(p.header == Self.header)
        #expect(p.records == recs)
        #expect(p.ignoredTailBytes == 0 && p.damagedTail == nil)
        #expect(p.validLength == bytes.count)
    }

    @Test("a damaged last record (cut at any byte, or a flipped byte) is kept aside with what survives of it",
          arguments: [UInt16(1), 2])
    func tornTail(version: UInt16) throws {
        let (bytes, recs) = Self.journal(records: 3, version: version)
        let fixed = version >= 2 ? 36 : 24
        let lastStart = bytes.count - recs[2].encoded(version: version).count
        for cut in (lastStart + 1)..<bytes.count {
            let p = try ParsedJournal.parse(Array(bytes.prefix(cut)), name: "j")
            #expect(p.version == version)
            #expect(p.records == Array(recs.prefix(2)), "cut at \(cut)")
            #expect(p.ignoredTailBytes == cut - lastStart)
            #expect(p.validLength == lastStart)
            let d = try #require(p.damagedTail)
            #expect(d.sequence == 2 && d.position == lastStart && d.bytes == cut - lastStart)
            // The block is known once the record's header is all there.
            #expect((d.block != nil) == (cut - lastStart >= fixed), "cut at \(cut)")
            if let b = d.block {
                #expect(b.offset == 1024 && b.length == 512)
                #expect(d.original == Array(recs[2].original.prefix(cut - lastStart - fixed)))
                #expect(d.patched == Array(recs[2].patched.prefix(max(0, cut - lastStart - fixed - 512))))
                #expect((d.checksums != nil) == (version >= 2))
                #expect(d.checksums?.original == (version >= 2 ? CRC32C.checksum(recs[2].original) : nil))
            }
        }
        var flipped = bytes
        flipped[lastStart + 100] ^= 0xFF
        let p = try ParsedJournal.parse(flipped, name: "j")
        #expect(p.records.count == 2)
        #expect(p.ignoredTailBytes == recs[2].encoded(version: version).count)
        #expect(p.damagedTail?.block?.offset == 1024)
        // A flipped byte in a version 2 record's header: its fields cannot be trusted.
        if version >= 2 {
            var header = bytes
            header[lastStart + 9] ^= 0x01
            #expect(try ParsedJournal.parse(header, name: "j").damagedTail?.block == nil)
        }
    }

    @Test("damage before a valid record is refused, not skipped")
    func damageInTheMiddle() {
        let (bytes, recs) = Self.journal(records: 3)
        var bad = bytes
        let second = Self.header.encoded().count + recs[0].encoded().count
        bad[second + 40] ^= 0xFF
        #expect(throws: JournalError.corrupt("j", at: second, why: "record 1 fails its checksum")) {
            try ParsedJournal.parse(bad, name: "j")
        }
    }

    @Test("empty file or torn header: nothing was written; other files are not journals")
    func headers() {
        let h = Self.header.encoded()
        for cut in [0, 3, 8, 20, h.count - 1] {
            #expect(throws: JournalError.noHeader("j")) { try ParsedJournal.parse(Array(h.prefix(cut)), name: "j") }
        }
        #expect(throws: JournalError.notAJournal("j")) { try ParsedJournal.parse(Array("hello world, not a journal".utf8), name: "j") }
        var v3 = h
        v3[8] = 3
        #expect(throws: JournalError.unsupportedVersion("j", 3)) { try ParsedJournal.parse(v3, name: "j") }
    }
}

@Suite("Staged edits and the block plan")
struct PlanTests {
    @Test("hex parsing")
    func hex() {
        #expect(PatchRun.parseHex("de ad be ef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(PatchRun.parseHex("DEADbeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(PatchRun.parseHex("0x55,0xaa") == [0x55, 0xaa])
        #expect(PatchRun.parseHex("abc") == nil)
        #expect(PatchRun.parseHex("zz") == nil)
        #expect(PatchRun.parseHex("") == nil)
    }

    @Test("runs become whole aligned blocks, merged when they touch, cut at the maximum")
    func blocks() throws {
        let runs = [PatchRun(offset: 510, replacing: [0x55, 0xaa]), PatchRun(offset: 1000, replacing: [1]),
                    PatchRun(offset: 4096, replacing: [UInt8](repeating: 7, count: 3000))]
        let b = try PatchPlan.blocks(for: runs, unit: 512, maxBlock: 2048, mediaSize: 1 << 20)
        #expect(b.map(\.range) == [0..<1024, 4096..<6144, 6144..<7168])
        #expect(b[0].edits.map(\.position) == [510, 511, 1000])
        #expect(b[0].apply(to: [UInt8](repeating: 0, count: 1024))[510...511] == [0x55, 0xaa])
        #expect(b[1].edits.count == 2048 && b[2].edits.count == 952)
    }

    @Test("a patch past the end or into an unaligned tail is refused")
    func refusals() {
        // An offset near Int64.max: refused, not an overflow trap.
        #expect(throws: PatchPlanError.pastEnd(offset: .max - 1, end: .max, size: 4096)) {
            try PatchPlan.blocks(for: [PatchRun(offset: .max - 1, bytes: [StagedByte(value: 1), StagedByte(value: 2), StagedByte(value: 3)])],
                                 unit: 512, mediaSize: 4096)
        }
        #expect(throws: PatchPlanError.pastEnd(offset: 4095, end: 4097, size: 4096)) {
            try PatchPlan.blocks(for: [PatchRun(offset: 4095, replacing: [1, 2])], unit: 512, mediaSize: 4096)
        }
        #expect(throws: PatchPlanError.unalignedTail(offset: 4096, alignedSize: 4096, size: 4100, unit: 512)) {
            try PatchPlan.blocks(for: [PatchRun(offset: 4096, replacing: [1])], unit: 512, mediaSize: 4100)
        }
        #expect(throws: PatchPlanError.empty) { try PatchPlan.blocks(for: [], unit: 512, mediaSize: 4096) }
    }

    @Test("nibbles keep the other half of the media's byte")
    func nibbles() {
        var e = StagedEdits()
        e.setNibble(at: 5, high: true, to: 0xA)
        #expect(e.staged(at: 5)!.apply(to: 0x37) == 0xA7)
        e.setNibble(at: 5, high: false, to: 0x1)
        #expect(e.staged(at: 5) == StagedByte(value: 0xA1))
        #expect(e.undo() == 5)
        #expect(e.staged(at: 5) == StagedByte(value: 0xA0, mask: 0xF0))
        #expect(e.undo() == 5)
        #expect(e.isEmpty)
        #expect(e.undo() == nil)
    }
}
