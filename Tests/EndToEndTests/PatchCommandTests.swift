import Foundation
import TestSupport
import Testing

/// `blkview patch` and `blkview undo` driven as a user would: the real binary, real files, real loop devices.
@Suite("blkview patch and undo", .serialized)
struct PatchCommandTests {
    static func sha(_ path: String) throws -> String {
        try Subprocess.sh("sha256sum < '\(path)'").stdout
    }

    static func xxd(_ path: String, at offset: Int, length: Int) throws -> String {
        try Subprocess.sh("xxd -s \(offset) -l \(length) -p '\(path)'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A 1 MiB random image patched at `at` with 150,000 random bytes (three
    /// journal records): the image, its SHA-256 before, the journal, the data.
    static func patched(_ dir: Scratch, at: String) throws -> (image: String, before: String, journal: String, data: String) {
        let f = try dir.file("disk.img", size: 1 << 20, random: true)
        let before = try sha(f)
        try Subprocess.sh("cp '\(f)' '\(dir.path)/orig.img'")  // the original bytes, for forging torn pieces
        let j = "\(dir.path)/j.bvundo"
        let data = "\(dir.path)/p.bin"
        try Subprocess.sh("head -c 150000 /dev/urandom > '\(data)'")
        let r = try Harness.blkview("patch", f, "--at", at, "--from", data, "--journal", j)
        try #require(r.status == 0, "\(r.stderr)")
        return (f, before, j, data)
    }

    @Test("every sync level writes the right bytes; undo restores; undo again changes nothing",
          arguments: ["none", "data", "full"])
    func patchAndUndo(sync: String) throws {
        let dir = try Scratch()
        let f = try dir.file("disk.img", size: 1 << 20, random: true)
        let before = try Self.sha(f)
        let j = "\(dir.path)/j.bvundo"
        let r = try Harness.blkview("patch", f, "--at", "0x1fe", "--hex", "55 aa", "--sync", sync, "--journal", j, "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["verified"] as? Bool == true)
        #expect(obj["sync"] as? String == sync)
        #expect(obj["journal"] as? String == j)
        #expect(try Self.xxd(f, at: 0x1fe, length: 2) == "55aa")
        let u = try Harness.blkview("undo", j)
        #expect(u.status == 0, "\(u.stderr)")
        #expect(u.stdout.contains("1 block restored"))
        #expect(try Self.sha(f) == before)
        let again = try Harness.blkview("undo", j, "--json")
        #expect(again.status == 0)
        #expect(again.stdout.contains("\"restore\":0,\"already_restored\":1"))
        #expect(try Self.sha(f) == before)
    }

    @Test("strace: data and full patches carry RWF_DSYNC / RWF_SYNC in aio_rw_flags",
          .enabled(if: Capability.has("strace"), "strace is not installed"),
          arguments: [("data", "aio_rw_flags=RWF_DSYNC"), ("full", "aio_rw_flags=RWF_SYNC"), ("none", "")])
    func strace(sync: String, expected: String) throws {
        let strace = try #require(Subprocess.which("strace"))
        let dir = try Scratch()
        let f = try dir.file("disk.img", size: 1 << 20, random: true)
        let r = try Subprocess.run(strace, ["-f", "-e", "trace=io_submit", Harness.blkview, "patch", f, "--at", "4096",
                                         "--hex", "de ad be ef", "--sync", sync, "--engine", "aio",
                                         "--journal", "\(dir.path)/j.bvundo"])
        try #require(r.status == 0, "\(r.stderr)")
        let writes = r.stderr.split(separator: "\n").filter { $0.contains("io_submit(") && $0.contains("IOCB_CMD_PWRITE") }
        #expect(writes.count == 1, "one block, one write:\n\(r.stderr.prefix(3000))")
        if expected.isEmpty {
            #expect(writes.allSatisfy { !$0.contains("RWF_") })
        } else {
            #expect(writes.allSatisfy { $0.contains(expected) }, "\(writes.first ?? "")")
        }
        #expect(try Self.xxd(f, at: 4096, length: 4) == "deadbeef")
    }

    @Test("undo refuses another image of the same size, and one of another size; nothing written")
    func undoRefusesMismatch() throws {
        let dir = try Scratch()
        let f = try dir.file("disk.img", size: 1 << 20, random: true)
        let other = try dir.file("other.img", size: 1 << 20, random: true)
        let small = try dir.file("small.img", size: 1 << 19, random: true)
        let j = "\(dir.path)/j.bvundo"
        #expect(try Harness.blkview("patch", f, "--at", "100", "--hex", "01", "--journal", j).status == 0)
        for (target, needle) in [(other, "SHA-256 differs"), (small, "wrong target")] {
            let before = try Self.sha(target)
            let r = try Harness.blkview("undo", j, "--target", target)
            #expect(r.status != 0)
            #expect(r.stderr.contains("refusing to undo") && r.stderr.contains(needle), "\(r.stderr)")
            #expect(try Self.sha(target) == before)
        }
    }

    @Test("bad input: one clear line, non-zero exit, nothing written",
          arguments: [
            (["patch", "FILE", "--at", "0", "--hex", "xyz"], "--hex must be pairs of hex digits"),
            (["patch", "FILE", "--at", "0"], "give the bytes with either --hex or --from FILE"),
            (["patch", "FILE", "--at", "0x100000", "--hex", "01"], "past the end"),
            (["patch", "FILE", "--at", "0xffffe", "--hex", "01 02 03"], "does not fit in the media"),
            (["patch", "FILE", "--at", "0", "--hex", "01", "--sync", "often"], "The value 'often' is invalid for '--sync <sync>'. Please provide one of 'none', 'data' or 'full'."),
            (["patch", "FILE", "--at", "0", "--hex", "01", "--forensic"], "forensic mode is read-only"),
            (["patch", "FILE", "--at", "0", "--from", "/nonexistent/p.bin"], "cannot read --from /nonexistent/p.bin"),
            (["patch", "/nonexistent/disk.img", "--at", "0", "--hex", "01"], "/nonexistent/disk.img"),
            (["patch", "FILE", "--at", "0", "--hex", "01", "--journal", "FILE"], "it is the target itself"),
            (["undo", "FILE"], "is not a blkview undo journal"),
            (["undo", "/nonexistent/j.bvundo"], "cannot read the journal /nonexistent/j.bvundo"),
          ])
    func badInput(arguments: [String], message: String) throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 1 << 20, random: true)
        let before = try Data(contentsOf: URL(fileURLWithPath: f))
        let r = try Subprocess.run(Harness.blkview, arguments.map { $0 == "FILE" ? f : $0 })
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: f)) == before)
    }

    @Test("a last journal record whose header is garbage cannot be judged: refused, nothing written; an empty journal has nothing to undo")
    func tornJournal() throws {
        let dir = try Scratch()
        let (f, _, j, _) = try Self.patched(dir, at: "777")
        let after = try Self.sha(f)
        // A fourth record with a garbage header: which block it names, and
        // whether it was written, cannot be told (see UndoDamagedJournalTests
        // for the decidable shapes).
        try Subprocess.sh("head -c 70000 /dev/urandom | tail -c +1 | head -c 35000 > '\(dir.path)/garbage'; printf 'BVRC\\003\\000\\000\\000' >> '\(j)'; cat '\(dir.path)/garbage' >> '\(j)'")
        let r = try Harness.blkview("undo", j)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("last record (3,") && r.stderr.contains("its header is lost"), "\(r.stderr)")
        #expect(try Self.sha(f) == after)
        let empty = "\(dir.path)/empty.bvundo"
        try #require(FileManager.default.createFile(atPath: empty, contents: Data()))
        let e = try Harness.blkview("undo", empty)
        #expect(e.status == 0)
        #expect(e.stdout.contains("nothing to undo"))
    }

    /// Puts `count` original bytes at `offset` back into the patched image: a
    /// piece that is part old, part new, as a write torn inside it leaves.
    static func tear(_ dir: Scratch, _ image: String, at offset: Int, count: Int) throws {
        try Subprocess.sh("dd if='\(dir.path)/orig.img' of='\(image)' bs=1 skip=\(offset) seek=\(offset) count=\(count) conv=notrunc status=none")
    }

    @Test("100 foreign bytes in a journaled piece: refused, --accept-torn is not suggested and does not write them")
    func foreignBytes() throws {
        let dir = try Scratch()
        let (f, _, j, _) = try Self.patched(dir, at: "0x10000")
        try Subprocess.sh("head -c 100 /dev/urandom | dd of='\(f)' bs=1 seek=\(0x20000 + 3 * 512 + 200) conv=notrunc status=none")
        let changed = try Self.sha(f)
        let r = try Harness.blkview("undo", j)
        #expect(r.status != 0 && r.stderr.contains("with bytes the journal never wrote there"), "\(r.stderr)")
        #expect(!r.stderr.contains("--accept-torn"), "\(r.stderr)")
        let forced = try Harness.blkview("undo", j, "--accept-torn")
        #expect(forced.status != 0 && forced.stderr.contains("never wrote"), "\(forced.stderr)")
        #expect(try Self.sha(f) == changed, "the foreign bytes are not overwritten")
        // Old and new bytes interleaved (no single tear) are not a torn write either.
        for k in stride(from: 0, to: 512, by: 64) { try Self.tear(dir, f, at: 0x30000 + 7 * 512 + k, count: 32) }
        try Subprocess.sh("dd if='\(dir.path)/orig.img' of='\(f)' bs=1 skip=\(0x20000 + 3 * 512 + 200) seek=\(0x20000 + 3 * 512 + 200) count=100 conv=notrunc status=none")
        let mixed = try Harness.blkview("undo", j, "--dry-run")
        #expect(mixed.status != 0 && !mixed.stderr.contains("--accept-torn"), "\(mixed.stderr)")
    }

    @Test("a 512-byte piece torn by a power loss: undo refuses and names --accept-torn, which restores the original")
    func tornPiece() throws {
        let dir = try Scratch()
        let (f, before, j, data) = try Self.patched(dir, at: "0x10000")
        // A piece in the middle of a patched block that is neither version:
        // its first 200 bytes old, the rest new (a write torn inside it).
        try Self.tear(dir, f, at: 0x20000 + 3 * 512, count: 200)
        let torn = try Self.sha(f)
        let refused = try Harness.blkview("undo", j)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("holds neither the journal's original nor its patched bytes")
                && refused.stderr.contains("--accept-torn"), "\(refused.stderr)")
        #expect(try Self.sha(f) == torn, "a refused undo writes nothing")
        let dry = try Harness.blkview("undo", j, "--accept-torn", "--dry-run")
        #expect(dry.status == 0 && dry.stdout.contains("held neither version (torn write?)"), "\(dry.stdout) \(dry.stderr)")
        #expect(try Self.sha(f) == torn)
        let r = try Harness.blkview("undo", j, "--accept-torn")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.sha(f) == before)
        // Another target of the same size is still refused: the first block identifies it.
        let other = try dir.file("other.img", size: 1 << 20, random: true)
        let o = try Harness.blkview("undo", j, "--accept-torn", "--target", other)
        #expect(o.status != 0 && o.stderr.contains("do not match the journal's target"), "\(o.stderr)")
        // A journal that covers the first block proves nothing by it: another
        // image, every piece foreign, is not one torn write and is refused.
        let j0 = "\(dir.path)/j0.bvundo"
        #expect(try Harness.blkview("patch", f, "--at", "0", "--from", data, "--journal", j0).status == 0)
        let otherBefore = try Self.sha(other)
        let w = try Harness.blkview("undo", j0, "--accept-torn", "--target", other)
        #expect(w.status != 0 && w.stderr.contains("the journal is not for this target") && !w.stderr.contains("--accept-torn restores"),
                "\(w.stderr)")
        #expect(try Self.sha(other) == otherBefore, "nothing written to the other image")
        // Torn pieces in two different blocks are not one torn write either.
        try Subprocess.sh("head -c 512 /dev/urandom | dd of='\(f)' bs=512 seek=\(0x1000 / 512) conv=notrunc status=none")
        try Subprocess.sh("head -c 512 /dev/urandom | dd of='\(f)' bs=512 seek=\(0x18000 / 512) conv=notrunc status=none")
        let two = try Harness.blkview("undo", j0, "--accept-torn", "--dry-run")
        #expect(two.status != 0 && two.stderr.contains("the journal is not for this target"), "\(two.stderr)")
    }

    @Test("a real loop device: patch and undo; mounted, it is refused without --force",
          .enabled(if: Capability.losetup && Capability.has("mkfs.ext4"), "needs root, loop devices (losetup) and mkfs.ext4"))
    func loopDevice() throws {
        let dir = try Scratch()
        let img = try dir.file("fs.img", size: 8 << 20)
        try #require(try Subprocess.sh("mkfs.ext4 -q '\(img)'").status == 0)
        let attached = try Loop(img, readOnly: false)
        defer { attached.detach() }
        let loop = attached.device
        let j = "\(dir.path)/j.bvundo"
        let before = try Self.sha(loop)
        let p = try Harness.blkview("patch", loop, "--at", "s100+3", "--hex", "ca fe", "--sync", "full", "--journal", j)
        #expect(p.status == 0, "\(p.stderr)")
        #expect(try Self.xxd(loop, at: 100 * 512 + 3, length: 2) == "cafe")
        #expect(try Harness.blkview("undo", j).status == 0)
        #expect(try Self.sha(loop) == before)

        let mnt = "\(dir.path)/mnt"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        guard try Subprocess.sh("mount \(loop) '\(mnt)'").status == 0 else {
            Issue.record("mount failed here; the mounted case is not tested")
            return
        }
        defer { _ = try? Subprocess.sh("umount '\(mnt)'") }
        let refused = try Harness.blkview("patch", loop, "--at", "0", "--hex", "00", "--journal", "\(dir.path)/j2.bvundo")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("in use") && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/j2.bvundo"), "no journal for a refused patch")
    }
}
