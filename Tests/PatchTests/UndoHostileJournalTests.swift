import DiskFormats
import Inspector
import LinuxAIO
import Testing

/// Journals forged with valid checksums: every value in them is hostile, and
/// undo must refuse them in one line naming the record, never trap.
@Suite("Undo: forged journals")
struct UndoHostileJournalTests {
    static let size: Int64 = 1 << 20
    static let forgedOffsets: [Int64] = [0x7FFF_FFFF_FFFF_FE00, Int64.max - 511, 1 << 20, -512]

    static func journal(offset: Int64, length: Int = 512, identityLength: Int = 4096) throws -> ParsedJournal {
        let h = JournalHeader(path: "/var/tmp/disk.img", size: size, unit: 512, logicalSectorSize: 512, device: 0, inode: 0,
                              created: 0, identityLength: identityLength,
                              identityDigest: SHA256Digest.hash([UInt8](repeating: 0, count: 4096)))
        let ok = JournalRecord(sequence: 0, offset: 4096, sync: .data, original: [UInt8](repeating: 0, count: 512),
                               patched: [UInt8](repeating: 1, count: 512))
        // The encoder computes every CRC: the parser accepts the forged record.
        let forged = JournalRecord(sequence: 1, offset: offset, sync: .data, original: [UInt8](repeating: 0, count: length),
                                   patched: [UInt8](repeating: 2, count: length))
        return try ParsedJournal.parse(h.encoded() + ok.encoded() + forged.encoded(), name: "forged.bvundo")
    }

    static func plan(_ j: ParsedJournal) async throws -> [UndoStep] {
        let settled = try await UndoEngine.settle(j, targetPath: "/var/tmp/disk.img", size: size) { _, n in
            [UInt8](repeating: 0, count: n)
        }
        return try await UndoEngine.plan(settled, targetPath: "/var/tmp/disk.img", size: size) { _, n in
            [UInt8](repeating: 0, count: n)
        }
    }

    @Test("a record whose end overflows Int64, or lies past the target, is refused by name",
          arguments: forgedOffsets)
    func offsets(offset: Int64) async throws {
        let j = try Self.journal(offset: offset, length: 1024)
        #expect(j.records.count == 2 && j.records[1].offset == offset)
        let error = await #expect(throws: PatchError.self) { try await Self.plan(j) }
        let text = error?.description ?? ""
        #expect(text.contains("refusing to undo: record 1 (0x") && text.contains("does not fit"), "\(text)")
        #expect(!text.contains("\n"))
    }

    @Test("a header whose identity length is absurd is refused, not allocated", arguments: [Int(UInt32.max), 4097, 2 << 20] as [Int])
    func identityLength(length: Int) async throws {
        let j = try Self.journal(offset: 8192, identityLength: length)
        let error = await #expect(throws: PatchError.self) { try await Self.plan(j) }
        #expect(error?.description.contains("identity length of \(length) bytes") == true, "\(String(describing: error))")
    }

    @Test("a sane forged journal still plans (the checks refuse only what does not fit)")
    func sane() async throws {
        let steps = try await Self.plan(try Self.journal(offset: 8192))
        #expect(steps.map(\.sequence) == [1, 0])
    }
}
