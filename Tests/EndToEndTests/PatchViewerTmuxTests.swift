import Foundation
import TestSupport
import Testing

/// Edit mode in the real viewer (tmux): what is typed lands on the disk only
/// after `W` and a confirmation; read-only sessions refuse and change nothing.
@Suite("Viewer edit mode in tmux", .enabled(if: Capability.has("tmux"), "tmux is not installed"), .serialized)
struct PatchViewerTmuxTests {
    /// Hash, mtime and ctime (nanoseconds) of a file.
    static func fingerprint(_ path: String) throws -> String {
        try Subprocess.sh("sha256sum < '\(path)'; stat -c '%y %z' '\(path)'").stdout
    }

    @Test("--write: e, hex and text, W, pick full, confirm: the bytes on disk equal xxd's and the journal panel shows verified")
    func editAndWrite() throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20, random: true)
        let journal = "\(dir.path)/session.bvundo"
        let before = try Subprocess.sh("sha256sum < '\(img)'").stdout
        let t = try TmuxSession("\(Harness.blkview) '\(img)' --write --journal '\(journal)'")
        try t.waitFor(text: "writable")
        try t.send("w")
        try t.waitFor(text: "no patch written yet")
        try t.send(":")
        try t.type("0x200")
        try t.send("Enter")
        try t.waitFor(text: "0x200 LBA 1")
        try t.send("e")
        try t.waitFor(text: "EDIT hex")
        try t.type("deadbeef")
        try t.send("Tab")
        try t.waitFor(text: "EDIT text")
        try t.type("OK")
        try t.waitFor(text: "6 staged")
        #expect(!FileManager.default.fileExists(atPath: journal), "nothing touches the disk before W")
        #expect(try Subprocess.sh("sha256sum < '\(img)'").stdout == before)
        try t.send("Escape", "W")
        try t.waitFor(text: "write with sync")
        try t.send("f", "Enter")
        try t.waitFor(text: "y writes")
        try t.send("y")
        let screen = try t.waitFor(text: "written and verified")
        #expect(screen.contains("verified"))
        #expect(screen.contains("full"))
        let xxd = try Subprocess.sh("xxd -s 0x200 -l 6 -p '\(img)'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(xxd == "deadbeef4f4b")
        let row = try #require(ViewerTmuxTests.row(screen, offset: 0x200))
        #expect(row.contains("de ad be ef 4f 4b"))
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
        #expect(try Harness.blkview("undo", journal).status == 0)
        #expect(try Subprocess.sh("sha256sum < '\(img)'").stdout == before)
    }

    @Test("q with staged bytes asks first; u undoes the last staged change")
    func quitAsks() throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20, random: true)
        let before = try Self.fingerprint(img)
        let t = try TmuxSession("\(Harness.blkview) '\(img)' --write --journal '\(dir.path)/j.bvundo'")
        try t.waitFor(text: "writable")
        try t.send("e")
        try t.type("0102")
        try t.waitFor(text: "2 staged")
        try t.send("u")
        try t.waitFor(text: "undone at 0x1")
        try t.send("Escape", "q")
        try t.waitFor(text: "not written: q again to quit")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
        #expect(try Self.fingerprint(img) == before)
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/j.bvundo"))
    }

    @Test("read-only (the default): e and W say why; hash, mtime and ctime unchanged")
    func readOnlyRefuses() throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20, random: true)
        let before = try Self.fingerprint(img)
        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        try t.send("e")
        try t.waitFor(text: "read-only: reopen with --write to edit and patch")
        try t.send("0", "1", "W")
        try t.waitFor(text: "read-only: reopen with --write to edit and patch")
        try t.send("u")
        try t.waitFor(text: "read-only: reopen with --write")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
        #expect(try Self.fingerprint(img) == before)
    }

    @Test("--write is refused on a file behind a mounted loop device without --force",
          .enabled(if: Capability.losetup && Capability.has("mkfs.ext4"), "needs root, loop devices (losetup) and mkfs.ext4"))
    func writeRefusedWhenMounted() throws {
        let dir = try Scratch()
        let img = try dir.file("fs.img", size: 8 << 20)
        try #require(try Subprocess.sh("mkfs.ext4 -q '\(img)'").status == 0)
        let mnt = "\(dir.path)/mnt"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        guard try Subprocess.sh("mount -o loop '\(img)' '\(mnt)'").status == 0 else {
            Issue.record("mount -o loop failed here")
            return
        }
        defer { _ = try? Subprocess.sh("umount '\(mnt)'") }
        let r = try Harness.blkview(img, "--write")
        #expect(r.status != 0)
        #expect(r.stderr.contains("in use") && r.stderr.contains("--force"), "\(r.stderr)")
    }
}

/// Coherence and one writer at a time, in the real viewer.
@Suite("Viewer writes: coherence and the writer lock", .enabled(if: Capability.has("tmux") && Capability.has("mkfs.ext4"), "needs tmux and mkfs.ext4"), .serialized)
struct ViewerCoherenceTmuxTests {
    @Test("a byte written with W shows at once in the hex view and in the field decode; a second writer is refused meanwhile")
    func writeIsSeenEverywhere() throws {
        let dir = try Scratch()
        let img = try dir.file("fs.img", size: 8 << 20)
        try #require(try Subprocess.sh("mkfs.ext4 -q -L SYSVOL '\(img)'").status == 0)
        let t = try TmuxSession("\(Harness.blkview) '\(img)' --write --journal '\(dir.path)/j.bvundo'")
        try t.waitFor(text: "writable")
        try t.send(":")
        try t.type("0x478")  // s_volume_name: superblock at 1024, field at 120
        try t.send("Enter")
        try t.waitFor(text: "s_volume_name = \"SYSVOL\"")
        // While this viewer holds the target for writing, patch is refused, naming it.
        let other = try Harness.blkview("patch", img, "--at", "0x478", "--hex", "41")
        #expect(other.status != 0)
        #expect(other.stderr.contains("another writer has it open (pid "), "\(other.stderr)")
        // A reader alongside is fine and changes nothing.
        #expect(try Harness.blkview("dump", img, "--offset", "0x478", "--length", "6").stdout.contains("|SYSVOL|"))
        try t.send("e", "Tab")
        try t.waitFor(text: "EDIT text")
        try t.type("X")
        try t.send("Escape", "W")
        try t.waitFor(text: "write with sync")
        try t.send("d", "Enter")
        try t.waitFor(text: "y writes")
        try t.send("y")
        // The next frames: the new byte in the hex and text columns, and the decode of the new bytes.
        let screen = try t.waitFor("the field decode of the new bytes") { $0.contains("s_volume_name = \"XYSVOL\"") }
        let row = try #require(ViewerTmuxTests.row(screen, offset: 0x470))
        #expect(row.contains("58 59 53 56 4f 4c"), "\(row)")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
        #expect(try Subprocess.sh("xxd -s 0x478 -l 6 -p '\(img)'").stdout.hasPrefix("585953564f4c"))
    }
}
