import Foundation
import TestSupport
import Testing

/// Checksum-aware edits in the real viewer: the `W` dialog names the
/// checksums the staged bytes break; `c` stages their update (and GPT's
/// copy of the entry array) so the real checkers stay clean; declined, the
/// checkers and `blkview info` report the mismatch.
@Suite("W dialog: checksums", .enabled(if: Capability.have("tmux", "mkfs.ext4", "e2fsck", "e2label", "sfdisk", "sgdisk"),
                                       "needs tmux, e2fsprogs, sfdisk and sgdisk"), .serialized)
struct ChecksumEditTmuxTests {
    /// Opens `img` writable, goes to `offset`, types `hex` in edit mode and
    /// opens the W dialog; returns the session and the dialog's screen.
    func stage(_ img: String, journal: String, at offset: Int64, hex: String, expect: String) throws -> TmuxSession {
        let t = try TmuxSession("\(Harness.blkview) '\(img)' --write --journal '\(journal)'")
        try t.waitFor(text: "writable")
        // The structure probe first: the dialog needs it.
        try t.send("s")
        try t.waitFor(text: "-byte sectors")
        try t.send("s", ":")
        try t.type("0x" + String(offset, radix: 16))
        try t.send("Enter", "e")
        try t.waitFor(text: "EDIT hex")
        try t.type(hex)
        try t.waitFor(text: "\(hex.count / 2) staged")
        try t.send("Escape", "W")
        try t.waitFor(text: expect)
        return t
    }

    func write(_ t: TmuxSession) throws {
        try t.send("Enter")
        try t.waitFor(text: "y writes")
        try t.send("y")
        try t.waitFor(text: "written and verified")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }

    func ext4Image(_ dir: Scratch) throws -> String {
        let img = try dir.file("fs.img", size: 8 << 20)
        try Subprocess.checked("mkfs.ext4", ["-q", "-F", "-O", "metadata_csum", "-L", "before", img])
        return img
    }

    @Test("ext4 label with the fix accepted: e2fsck -fn stays clean and the label is the new one")
    func ext4LabelFixed() throws {
        let dir = try Scratch()
        let img = try ext4Image(dir)
        // s_volume_name at superblock + 0x78: "mine" and a NUL.
        let t = try stage(img, journal: dir.file("j.bvundo"), at: 1024 + 0x78, hex: "6d696e6500",
                          expect: "will stop matching: ext4 superblock at 0x400 crc32c")
        try t.send("c")
        try t.waitFor(text: "checksums: none stops matching")
        try write(t)
        let fsck = try Subprocess.run("e2fsck", ["-fn", img])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        #expect(try Subprocess.checked("e2label", [img]).trimmed == "mine")
        let info = try Harness.blkview("info", img)
        #expect(info.stdout.contains("Checksums: 1 of 1 match"), "\(info.stdout)")
        // The fix was journaled with the edit: undo restores the original superblock.
        #expect(try Harness.blkview("undo", dir.file("j.bvundo")).status == 0)
        #expect(try Subprocess.checked("e2label", [img]).trimmed == "before")
        #expect(try Subprocess.run("e2fsck", ["-fn", img]).status == 0)
    }

    @Test("ext4 label with the fix declined: e2fsck reports the superblock checksum and info flags it")
    func ext4LabelDeclined() throws {
        let dir = try Scratch()
        let img = try ext4Image(dir)
        let t = try stage(img, journal: dir.file("j.bvundo"), at: 1024 + 0x78, hex: "6d696e6500",
                          expect: "will stop matching: ext4 superblock at 0x400 crc32c")
        try write(t)
        let fsck = try Subprocess.run("e2fsck", ["-fn", img])
        #expect(fsck.status != 0)
        #expect((fsck.stdout + fsck.stderr).contains("Superblock checksum does not match"), "\(fsck.stdout)\(fsck.stderr)")
        let info = try Harness.blkview("info", img)
        #expect(info.stdout.contains("checksum: ext4 superblock at 0x400 crc32c at 0x7fc does not match"), "\(info.stdout)")
        #expect(info.stdout.contains("Checksums: 0 of 1 match"), "\(info.stdout)")
        let json = try Harness.blkview("info", img, "--json")
        let obj = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let sums = obj?["checksums"] as? [[String: Any]] ?? []
        #expect(sums.count == 1 && sums.first?["ok"] as? Bool == false, "\(sums)")
        // The structure panel lists the mismatch among the defects.
        let view = try TmuxSession("\(Harness.blkview) '\(img)'")
        try view.waitFor(text: "read-only")
        try view.send("s")
        try view.waitFor(text: "defect: checksum: ext4 superblock at 0x400 crc32c at 0x7fc does not match")
        try view.send("q")
        try view.waitFor(text: "[exit 0 tty-sane]")
    }

    func gptImage(_ dir: Scratch) throws -> String {
        let img = try dir.file("gpt.img", size: 16 << 20)
        try Subprocess.checked("sfdisk", ["-q", img], input: "label: gpt\nsize=4MiB, name=first\nsize=4MiB, name=second\n")
        return img
    }

    @Test("GPT partition name with the fix accepted: both arrays and all four CRCs updated, sgdisk -v clean")
    func gptNameFixed() throws {
        let dir = try Scratch()
        let img = try gptImage(dir)
        // Entry 1's name (UTF-16LE at LBA 2 + 56): "first" becomes "Zirst".
        let t = try stage(img, journal: dir.file("j.bvundo"), at: 2 * 512 + 56, hex: "5a00",
                          expect: "will stop matching: primary GPT partition array CRC-32, primary GPT header CRC-32")
        try t.send("c")
        try t.waitFor(text: "checksums: none stops matching")
        try write(t)
        let verify = try Subprocess.run("sgdisk", ["-v", img])
        #expect(verify.stdout.contains("No problems found"), "\(verify.stdout)\(verify.stderr)")
        #expect(try Subprocess.checked("sfdisk", ["-J", img]).stdout.contains("\"name\": \"Zirst\""))
        #expect(try Harness.blkview("info", img).stdout.contains("Checksums: 4 of 4 match"))
    }

    @Test("GPT partition name with the fix declined: sgdisk -v and info report the bad array CRC")
    func gptNameDeclined() throws {
        let dir = try Scratch()
        let img = try gptImage(dir)
        let t = try stage(img, journal: dir.file("j.bvundo"), at: 2 * 512 + 56, hex: "5a00",
                          expect: "will stop matching: primary GPT partition array CRC-32")
        try write(t)
        let verify = try Subprocess.run("sgdisk", ["-v", img])
        #expect(!verify.stdout.contains("No problems found"), "\(verify.stdout)")
        let info = try Harness.blkview("info", img).stdout
        #expect(info.contains("primary GPT partition array: bad CRC"), "\(info)")
        #expect(info.contains("Checksums: 3 of 4 match; not matching: primary GPT partition array CRC-32"), "\(info)")
    }
}
