import Foundation
import TestSupport
import Testing

/// `blkview hash` against md5sum/sha1sum/sha256sum on images made by real tools.
@Suite("hash command", .serialized)
struct HashCommandTests {
    /// md5sum, sha1sum, sha256sum of a file (or of a shell pipeline's output).
    static func toolDigests(_ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, tool) in [("md5", "md5sum"), ("sha1", "sha1sum"), ("sha256", "sha256sum")] {
            let r = try Subprocess.sh("\(tool) < '\(path)'")
            out[k] = String(r.stdout.prefix { $0 != " " })
        }
        return out
    }

    static func json(_ r: Subprocess.Result) throws -> [String: Any] {
        guard let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(r.stdout) \(r.stderr)")
        }
        return obj
    }

    static func expectDigests(_ obj: [String: Any], _ tools: [String: String], size: Int, _ what: String) {
        for k in ["md5", "sha1", "sha256"] { #expect(obj[k] as? String == tools[k], "\(k) of \(what)") }
        #expect((obj["size"] as? NSNumber)?.intValue == size, "size of \(what)")
    }

    /// A 24 MiB MBR disk: sfdisk, a FAT32 and an ext4 partition with random files.
    static func diskImage(_ dir: Scratch) throws -> String {
        let img = "\(dir.path)/disk.img"
        let r = try Subprocess.sh("""
            set -e; cd '\(dir.path)'; truncate -s 24M disk.img
            printf 'label: dos\\nstart=2048, size=20480, type=c\\nstart=22528, size=26624, type=83\\n' | sfdisk --quiet disk.img
            truncate -s $((20480*512)) p1; mkfs.vfat -F 32 -n EVIDENCE p1 >/dev/null
            mkdir -p root; head -c 3000000 /dev/urandom > root/blob.bin; echo note > root/note.txt
            truncate -s $((26624*512)) p2; mkfs.ext4 -q -F -d root p2
            dd if=p1 of=disk.img bs=512 seek=2048 conv=notrunc status=none
            dd if=p2 of=disk.img bs=512 seek=22528 conv=notrunc status=none
            rm -rf p1 p2 root
            """)
        guard r.status == 0 else { throw TestFailure("image: \(r.stderr)") }
        return img
    }

    @Test("raw image (sfdisk + mkfs.vfat + mkfs.ext4): JSON and text equal the coreutils digests",
          .enabled(if: Capability.has("sfdisk") && Capability.has("mkfs.ext4") && Capability.has("mkfs.vfat"), "sfdisk/mkfs missing"))
    func rawImage() throws {
        let dir = try Scratch()
        let img = try Self.diskImage(dir)
        let tools = try Self.toolDigests(img)
        let r = try Harness.blkview("hash", "--json", img)
        #expect(r.status == 0, "\(r.stderr)")
        Self.expectDigests(try Self.json(r), tools, size: 24 << 20, "disk.img")
        let text = try Harness.blkview("hash", img)
        for k in ["md5", "sha1", "sha256"] { #expect(text.stdout.contains("\(k):".padding(toLength: 12, withPad: " ", startingAt: 0) + tools[k]!)) }
        let one = try Self.json(try Harness.blkview("hash", "--json", "--algorithms", "sha256", img))
        #expect(one["sha256"] as? String == tools["sha256"] && one["md5"] == nil && one["sha1"] == nil)
    }

    @Test("split raw sets (.001 and .aa): the reassembled stream's digests")
    func splitSets() throws {
        let dir = try Scratch()
        let img = try dir.file("src.raw", size: (5 << 20) + 4096 + 17, random: true)
        let tools = try Self.toolDigests(img)
        try Subprocess.sh("cd '\(dir.path)' && split -b 1M -d -a 3 --numeric-suffixes=1 src.raw num. && split -b 2M src.raw alpha.")
        for first in ["num.001", "alpha.aa"] {
            let r = try Harness.blkview("hash", "--json", "\(dir.path)/\(first)")
            #expect(r.status == 0, "\(r.stderr)")
            Self.expectDigests(try Self.json(r), tools, size: (5 << 20) + 4096 + 17, first)
        }
    }

    @Test("--offset/--length equal dd piped into the tools")
    func range() throws {
        let dir = try Scratch()
        let img = try dir.file("src.raw", size: 3 << 20, random: true)
        try Subprocess.sh("tail -c +1002 '\(img)' | head -c 1234567 > '\(dir.path)/part'")
        let tools = try Self.toolDigests("\(dir.path)/part")
        let r = try Harness.blkview("hash", "--json", "--offset", "1001", "--length", "1234567", img)
        Self.expectDigests(try Self.json(r), tools, size: 1_234_567, "range")
        let past = try Harness.blkview("hash", "--offset", "3MiB", "--length", "1", img)
        #expect(past.status != 0 && past.stderr.contains("past the end"))
    }

    @Test("E01 by ewfacquire: media digests, stored hashes and the ewfacquire log verify; a corrupted copy fails",
          .enabled(if: Capability.has("ewfacquire"), "ewfacquire is not installed (ewf-tools)"))
    func ewf() throws {
        let dir = try Scratch()
        // Whole sectors: the packaged ewfacquire drops a partial last sector.
        let raw = try dir.file("src.raw", size: (3 << 20) + 512 * 7, random: true)
        let tools = try Self.toolDigests(raw)
        let acq = try Subprocess.sh("cd '\(dir.path)' && ewfacquire -u -q -t img -c none -S 1MiB -d sha1,sha256 "
            + "-l acquire.log -C CASE-1 -e Examiner src.raw")
        #expect(acq.status == 0, "\(acq.stderr)")
        let e01 = "\(dir.path)/img.E01"
        let r = try Harness.blkview("hash", "--json", "--verify", "\(dir.path)/acquire.log", e01)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let obj = try Self.json(r)
        Self.expectDigests(obj, tools, size: (3 << 20) + 512 * 7, "img.E01")
        let checks = obj["verify"] as? [[String: Any]] ?? []
        #expect(checks.contains { ($0["reference"] as? String ?? "").hasPrefix("stored in the image") && $0["match"] as? Bool == true })
        #expect(checks.filter { ($0["reference"] as? String ?? "").hasPrefix("ewfacquire log") }.count == 3)
        #expect(obj["verified"] as? Bool == true)

        // Damage the copy: libewf's chunk checksum fails the read, so there is
        // no digest and the verification fails.
        try Subprocess.sh("cd '\(dir.path)' && mkdir bad && cp img.E0* bad/ && "
            + "printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of=bad/img.E01 bs=1 seek=400000 conv=notrunc status=none")
        let bad = try Harness.blkview("hash", "--verify", "\(dir.path)/acquire.log", "\(dir.path)/bad/img.E01")
        #expect(bad.status == 1, "\(bad.stdout) \(bad.stderr)")
        #expect(bad.stderr.contains("unreadable") || bad.stdout.contains("MISMATCH"))
    }

    @Test("--verify: a dc3dd log (match), a wrong hex digest (exit 1), junk (an error)")
    func verifyForms() throws {
        let dir = try Scratch()
        let img = try dir.file("src.raw", size: 2 << 20, random: true)
        let tools = try Self.toolDigests(img)
        if Capability.has("dc3dd") {
            try Subprocess.sh("cd '\(dir.path)' && dc3dd if=src.raw of=/dev/null hash=md5 hash=sha256 log=dc3dd.log >/dev/null 2>&1")
            let ok = try Harness.blkview("hash", "--verify", "\(dir.path)/dc3dd.log", img)
            #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
            #expect(ok.stdout.contains("MD5 match") && ok.stdout.contains("SHA-256 match") && ok.stdout.contains("dc3dd log"))
        }
        let good = try Harness.blkview("hash", "--algorithms", "md5", "--verify", tools["sha1"]!, img)
        #expect(good.status == 0 && good.stdout.contains("SHA-1 match"), "\(good.stdout)")
        var wrong = tools["sha256"]!
        wrong = String(wrong.dropLast()) + (wrong.last == "0" ? "1" : "0")
        let bad = try Harness.blkview("hash", "--verify", wrong, img)
        #expect(bad.status == 1 && bad.stdout.contains("SHA-256 MISMATCH"))
        let junk = try Harness.blkview("hash", "--verify", "not-a-digest", img)
        #expect(junk.status != 0 && junk.stderr.contains("neither a hex digest"))
    }

    @Test("--forensic: the session log records the run; a log in the evidence directory is refused")
    func forensicLog() throws {
        let dir = try Scratch()
        let logs = try Scratch()
        let img = try dir.file("src.raw", size: 1 << 20, random: true)
        let tools = try Self.toolDigests(img)
        let log = "\(logs.path)/case.log"
        let r = try Harness.blkview("hash", "--forensic", "--log", log, "--examiner", "J. Doe", "--case", "2026-017", img)
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        for needle in ["examiner: J. Doe", "case: 2026-017", "evidence before: \(img) size=1048576", "evidence unchanged: \(img)",
                       "hash sha256 [0, 1048576) 1048576 bytes: \(tools["sha256"]!)", "status 0", "command: blkview hash --forensic"] {
            #expect(text.contains(needle), "\(needle)")
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let refused = try Harness.blkview("hash", "--forensic", "--log", "\(dir.path)/session.log", img)
        #expect(refused.status != 0 && refused.stderr.contains("evidence directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == before)
        let env = try Harness.blkview("hash", "--forensic", "--algorithms", "md5", img, environment: ["XDG_STATE_HOME": logs.path])
        #expect(env.status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(logs.path)/blkview/sessions")
        #expect(files.count == 1 && files[0].hasSuffix(".log"))
        let noForensic = try Harness.blkview("hash", "--log", log, img)
        #expect(noForensic.status != 0 && noForensic.stderr.contains("go with --forensic"))
    }

    @Test("Ctrl-C stops hash (one line, exit 130, no digest) and a forensic dump; the session logs end 'interrupted'",
          .enabled(if: Capability.has("tmux"), "tmux is not installed"))
    func interrupted() throws {
        let dir = try Scratch()
        let logs = try Scratch()
        let img = "\(dir.path)/big.img"
        // 64 GiB of holes: about a minute of hashing, so Ctrl-C comes first.
        try #require(try Subprocess.sh("truncate -s 64G '\(img)'").status == 0)
        for forensic in [false, true] {
            let extra = forensic ? "--forensic --log '\(logs.path)/s.log' " : ""
            let t = try TmuxSession("\(Harness.blkview) hash \(extra)'\(img)'")
            try t.waitFor(text: "hashing")
            try t.send("C-c")
            let screen = try t.waitFor(text: "[exit ")
            #expect(screen.contains("[exit 130 "), "\(screen)")
            #expect(screen.contains("hash interrupted (Ctrl-C); no digest"), "\(screen)")
            #expect(screen.contains("blkview: stopping (Ctrl-C again quits at once)"), "\(screen)")
            #expect(!screen.contains("md5:") && !screen.contains("CancellationError"), "\(screen)")
        }
        // dump --forensic too: the session log gets its end.
        let t = try TmuxSession("\(Harness.blkview) dump --forensic --log '\(logs.path)/d.log' '\(img)' > /dev/null")
        try t.waitFor("the session starts") { _ in FileManager.default.fileExists(atPath: "\(logs.path)/d.log") }
        try t.send("C-c")
        let screen = try t.waitFor(text: "[exit ")
        #expect(screen.contains("[exit 130 ") && screen.contains("dump interrupted (Ctrl-C)"), "\(screen)")
        for name in ["s.log", "d.log"] {
            let log = try String(contentsOfFile: "\(logs.path)/\(name)", encoding: .utf8)
            #expect(log.contains("error: interrupted") && log.contains("status 130"), "\(log)")
        }
    }
}
