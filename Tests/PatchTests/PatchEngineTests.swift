import DiskFormats
import BlockDevice
import Foundation
import Inspector
import LinuxAIO
import Testing
import TestSupport

@Suite("Patch and undo on real files", .serialized)
struct PatchEngineTests {
    func patch(_ s: Scratch, _ name: String, _ runs: [PatchRun], sync: SyncLevel, journal: String) async throws -> PatchReport {
        let w = try s.openWritable(name)
        let blocks = try PatchPlan.blocks(for: runs, unit: w.patchUnit, mediaSize: w.geometry.size)
        let j = try await UndoJournalWriter.create(for: w, explicitPath: journal)
        let r = await PatchEngine.commit(blocks, to: w, journal: j, sync: sync)
        await j.close()
        await w.close()
        return r
    }

    func undo(_ s: Scratch, _ name: String, journal: String) async throws -> [UndoStep] {
        let parsed = try ParsedJournal.parse(Array(try Data(contentsOf: URL(fileURLWithPath: journal))), name: journal)
        let w = try s.openWritable(name)
        do {
            let steps = try await UndoEngine.plan(parsed, targetPath: w.path, size: w.geometry.size) { o, n in
                try await w.readExactly(at: o, length: n)
            }
            let done = await UndoEngine.run(steps, journal: parsed, target: w, sync: .data)
            // Closed before the next writer opens: the writer lock goes with the descriptor.
            await w.close()
            return done
        } catch {
            await w.close()
            throw error
        }
    }

    @Test("every sync level writes the right bytes, journals the originals, and verifies", arguments: SyncLevel.allCases)
    func syncLevels(sync: SyncLevel) async throws {
        let s = try Scratch()
        var bytes = try s.writeRandom("disk.img", count: 1 << 20)
        let original = bytes
        let data = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let r = try await patch(s, "disk.img", [PatchRun(offset: 1234, replacing: data)], sync: sync, journal: s.file("j"))
        #expect(r.succeeded, "\(r)")
        #expect(r.blocks.allSatisfy { $0.state == .verified && $0.line.sync == sync })
        bytes.replaceSubrange(1234..<(1234 + data.count), with: data)
        #expect(try s.contents("disk.img") == bytes)
        let parsed = try ParsedJournal.parse(try s.contents("j"), name: "j")
        #expect(parsed.records.count == r.blocks.count)
        for rec in parsed.records {
            let range = Int(rec.offset)..<(Int(rec.offset) + rec.length)
            #expect(rec.original == Array(original[range]))
            #expect(rec.patched == Array(bytes[range]))
            #expect(rec.sync == sync)
        }
        #expect(parsed.header.size == 1 << 20)
        #expect(parsed.header.identityDigest == SHA256Digest.hash(Array(original.prefix(4096))))
    }

    @Test("the journal record is durable before its block is written; read-back catches a device that flips a bit")
    func readBackMismatch() async throws {
        let s = try Scratch()
        let original = try s.writeRandom("disk.img", count: 256 * 1024)
        let w = try s.openWritable("disk.img")
        let target = FlippingTarget(w, journal: s.file("j"), flip: true)
        let blocks = try PatchPlan.blocks(for: [PatchRun(offset: 0, replacing: [UInt8](repeating: 9, count: 100_000))],
                                          unit: 512, mediaSize: w.geometry.size)
        let j = try await UndoJournalWriter.create(for: w, explicitPath: s.file("j"))
        let r = await PatchEngine.commit(blocks, to: target, journal: j, sync: .data)
        await j.close()
        await w.close()
        #expect(!r.succeeded)
        #expect(r.blocks[0].state == .failed)
        #expect(r.blocks[0].note?.hasPrefix("read-back differs at 0x") == true)
        #expect(r.blocks.dropFirst().allSatisfy { $0.state == .failed && $0.note == "not written" })
        #expect(target.recordsAtWrite.withLock { $0 } == [1], "one write, after its record was in the journal")
        // The flipped block holds neither the original nor the patched bytes:
        // undo refuses rather than guess.
        await #expect(throws: PatchError.self) { _ = try await undo(s, "disk.img", journal: s.file("j")) }
        #expect(try s.contents("disk.img") != original)
    }

    @Test("the write-ahead order holds for every block of a multi-block patch")
    func writeAheadOrder() async throws {
        let s = try Scratch()
        try s.writeRandom("disk.img", count: 512 * 1024)
        let w = try s.openWritable("disk.img")
        let target = FlippingTarget(w, journal: s.file("j"), flip: false)
        let blocks = try PatchPlan.blocks(for: [PatchRun(offset: 100, replacing: [UInt8](repeating: 1, count: 300_000))],
                                          unit: 512, mediaSize: w.geometry.size)
        let j = try await UndoJournalWriter.create(for: w, explicitPath: s.file("j"))
        let r = await PatchEngine.commit(blocks, to: target, journal: j, sync: .none)
        await j.close()
        await w.close()
        #expect(r.succeeded)
        #expect(target.recordsAtWrite.withLock { $0 } == Array(1...blocks.count))
    }

    @Test("undo restores the original bytes, newest first, and is idempotent (also after overlapping patches)")
    func undoRestores() async throws {
        let s = try Scratch()
        let original = try s.writeRandom("disk.img", count: 1 << 20)
        let w = try s.openWritable("disk.img")
        let j = try await UndoJournalWriter.create(for: w, explicitPath: s.file("j"))
        for (off, v) in [(Int64(10), UInt8(1)), (Int64(300), 2), (Int64(200_000), 3)] {
            let blocks = try PatchPlan.blocks(for: [PatchRun(offset: off, replacing: [UInt8](repeating: v, count: 5000))],
                                              unit: 512, mediaSize: w.geometry.size)
            #expect(await PatchEngine.commit(blocks, to: w, journal: j, sync: .data).succeeded)
        }
        await j.close()
        await w.close()
        let patched = try s.contents("disk.img")
        #expect(patched[10] == 1 && patched[300] == 2 && patched[200_000] == 3)
        let first = try await undo(s, "disk.img", journal: s.file("j"))
        #expect(first.allSatisfy { $0.state == .verified })
        #expect(first.map(\.sequence) == [2, 1, 0])
        #expect(try s.contents("disk.img") == original)
        let again = try await undo(s, "disk.img", journal: s.file("j"))
        #expect(again.allSatisfy { $0.action == .alreadyRestored && $0.state == .verified })
        #expect(try s.contents("disk.img") == original)
    }

    @Test("undo refuses a target of another size or identity, and writes nothing")
    func undoRefuses() async throws {
        let s = try Scratch()
        try s.writeRandom("disk.img", count: 1 << 20)
        let other = try s.writeRandom("other.img", count: 1 << 20, seed: 99)
        let small = try s.writeRandom("small.img", count: 1 << 19)
        _ = try await patch(s, "disk.img", [PatchRun(offset: 8192, replacing: [1, 2, 3])], sync: .data, journal: s.file("j"))
        do {
            _ = try await undo(s, "other.img", journal: s.file("j"))
            Issue.record("undo accepted another image")
        } catch let e as PatchError {
            #expect(e.description.contains("do not match the journal's target"), "\(e)")
        }
        #expect(try s.contents("other.img") == other)
        do {
            _ = try await undo(s, "small.img", journal: s.file("j"))
            Issue.record("undo accepted another size")
        } catch let e as PatchError {
            #expect(e.description.contains("has 524288 bytes — wrong target"), "\(e)")
        }
        #expect(try s.contents("small.img") == small)
    }

    @Test("a journal never goes into the target, nor into the image's directory unless asked")
    func journalPlaces() async throws {
        let s = try Scratch()
        try s.writeRandom("disk.img", count: 1 << 16)
        let w = try s.openWritable("disk.img")
        await #expect(throws: JournalError.self) { _ = try await UndoJournalWriter.create(for: w, explicitPath: s.file("disk.img")) }
        await w.close()
        #expect(throws: JournalError.self) { try JournalLocation.check(journal: s.file("disk.img"), target: s.file("disk.img"), explicit: true) }
        #expect(throws: JournalError.self) { try JournalLocation.check(journal: s.file("j"), target: s.file("disk.img"), explicit: false) }
        try JournalLocation.check(journal: s.file("j"), target: s.file("disk.img"), explicit: true)
        #expect(JournalLocation.defaultDirectory(environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/h"]) == "/x/state/blkview/journals")
        #expect(JournalLocation.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.local/state/blkview/journals")
    }
}
