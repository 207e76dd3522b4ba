import Foundation
import TestSupport
import Testing

/// One position syntax everywhere: `dump --offset`, `hash --offset`,
/// `search --offset`, `patch --at`, `export --offset`, `owner` and `ls
/// --offset` take bytes (`0x…`, `4KiB`), sectors (`s2048`) and partitions
/// (`p1`, `p1+s100`), the partition table read through the read path.
@Suite(.enabled(if: Capability.have("sfdisk", "mkfs.fat", "mcopy"), "needs sfdisk, dosfstools, mtools"))
struct PositionSyntaxTests {
    /// 64 MiB: an MBR, partition 1 at sector 2048 (1 MiB) holding FAT16 with a file.
    static func disk(_ s: Scratch) throws -> String {
        let img = s.file("disk.img")
        let r = try Subprocess.sh("""
            cd '\(s.path)' && truncate -s 64M disk.img && echo 'start=2048, size=100000, type=6' | sfdisk -q disk.img \
            && mkfs.fat -C -F 16 -n P1 p1.img 50000 >/dev/null && printf 'PELICAN in p1\\n' > note.txt \
            && MTOOLS_SKIP_CHECK=1 mcopy -i p1.img note.txt ::/ && dd if=p1.img of=disk.img bs=512 seek=2048 conv=notrunc status=none \
            && printf 'PELICAN before p1' | dd of=disk.img bs=1 seek=4096 conv=notrunc status=none
            """)
        guard r.status == 0 else { throw TestFailure("disk: \(r.stderr)") }
        return img
    }

    @Test func dumpTakesSectorsPartitionsAndHex() throws {
        let s = try Scratch()
        let img = try Self.disk(s)
        let abs = 1_048_576 + 100 * 512
        let ref = try Harness.blkview("dump", img, "--offset", String(abs), "--length", "32")
        #expect(ref.status == 0 && ref.stdout.hasPrefix(String(format: "%08x", abs)), "\(ref.stdout)")
        for form in ["p1+s100", "s2148", "0x\(String(abs, radix: 16))", "1MiB+s100"] {
            let r = try Harness.blkview("dump", img, "--offset", form, "--length", "32")
            #expect(r.status == 0 && r.stdout == ref.stdout, "dump --offset \(form): \(r.stderr)")
        }
        // The issue's example: a sector number beyond what a 32-bit guess would allow.
        #expect(try Harness.blkview("dump", img, "--offset", "s100352", "--length", "16").status == 0)
        let bad = try Harness.blkview("dump", img, "--offset", "p7", "--length", "16")
        #expect(bad.status == 1 && bad.stderr.contains("no partition 7"), "\(bad.stderr)")
    }

    @Test func hashTakesPartitions() throws {
        let s = try Scratch()
        let img = try Self.disk(s)
        let a = try Harness.blkview("hash", img, "--algorithms", "sha256", "--offset", "p1", "--length", "1MiB")
        let b = try Harness.blkview("hash", img, "--algorithms", "sha256", "--offset", "0x100000", "--length", "1MiB")
        let c = try Harness.blkview("hash", img, "--algorithms", "sha256", "--offset", "s2048", "--length", "1MiB")
        func digest(_ r: Subprocess.Result) -> Substring? { r.stdout.split(separator: "\n").first { $0.hasPrefix("sha256:") } }
        #expect(a.status == 0 && digest(a) != nil && digest(a) == digest(b) && digest(b) == digest(c), "\(a.stderr)")
        let ref = try Subprocess.sh("dd if='\(img)' bs=1M skip=1 count=1 status=none | sha256sum").stdout.prefix(64)
        #expect(a.stdout.contains(ref))
    }

    @Test func searchTakesAWindow() throws {
        let s = try Scratch()
        let img = try Self.disk(s)
        let all = try Harness.blkview("search", img, "--text", "PELICAN")
        let lines = all.stdout.split(separator: "\n")
        #expect(lines.first == "0x1000" && lines.count >= 2, "\(all.stdout)")
        let inP1 = try Harness.blkview("search", img, "--text", "PELICAN", "--offset", "p1")
        #expect(inP1.status == 0 && !inP1.stdout.contains("0x1000\n") && inP1.stdout.split(separator: "\n").count == lines.count - 1)
        let before = try Harness.blkview("search", img, "--text", "PELICAN", "--offset", "s0", "--length", "1MiB")
        #expect(before.stdout == "0x1000\n", "\(before.stdout)")
        let none = try Harness.blkview("search", img, "--text", "PELICAN", "--offset", "0x1001", "--length", "4KiB")
        #expect(none.status == 1)
    }

    @Test func patchExportOwnerAndLsTakeTheSameForms() throws {
        let s = try Scratch()
        let img = try Self.disk(s)
        let j = s.file("undo.journal")
        let p = try Harness.blkview("patch", img, "--at", "p1+s60000", "--hex", "de ad be ef", "--journal", j)
        #expect(p.status == 0, "\(p.stderr)")
        let bytes = try Subprocess.sh("dd if='\(img)' bs=1 skip=\(1_048_576 + 60000 * 512) count=4 status=none | od -An -tx1").stdout
        #expect(bytes.split(separator: " ").joined() == "deadbeef\n" || bytes.contains("de ad be ef"), "\(bytes)")
        let e = try Harness.blkview("export", img, "--offset", "p1+s100", "--length", "4KiB", "-o", s.file("x"))
        #expect(e.status == 0, "\(e.stderr)")
        let cmp = try Subprocess.run("bash", ["-c", "cmp '\(s.file("x"))' <(dd if='\(img)' bs=512 skip=2148 count=8 status=none)"])
        #expect(cmp.status == 0, "\(cmp.stdout)")
        let o = try Harness.blkview("owner", img, "p1+s2", "0x\(String(1_048_576 + 1024, radix: 16))", "--json")
        let answers = o.stdout.split(separator: "\n")
        #expect(o.status == 0 && answers.count == 2 && answers[0] == answers[1], "\(o.stdout) \(o.stderr)")
        #expect(answers.first?.contains("\"partition\":1") == true)
        for form in ["p1", "s2048", "0x100000", "1MiB"] {
            let l = try Harness.blkview("ls", img, "--offset", form)
            #expect(l.status == 0 && l.stdout.contains("note.txt"), "ls --offset \(form): \(l.stderr)")
        }
        let lp = try Harness.blkview("ls", img, "--partition", "1")
        #expect(lp.status == 0 && lp.stdout.contains("note.txt"))
        let c = try Harness.blkview("cat", img, "note.txt")
        #expect(c.stdout == "PELICAN in p1\n", "\(c.stderr)")  // the only partition with a file system
    }
}
