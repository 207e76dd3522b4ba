import Foundation
import TestSupport
import Testing

/// `blkview search` against Python's count of every (overlapping) occurrence.
@Suite("blkview search")
struct SearchCommandTests {
    /// Every start offset of `hex` bytes in `path`, overlapping ones included, as `0x…` lines.
    static func python(_ path: String, hex: String) throws -> String {
        let r = try Subprocess.run(try #require(Subprocess.which("python3")), ["-c", """
            import re, sys
            d = open(sys.argv[1], 'rb').read(); p = bytes.fromhex(sys.argv[2])
            print(''.join(hex(m.start()) + '\\n' for m in re.finditer(b'(?=' + re.escape(p) + b')', d)), end='')
            """, path, hex])
        guard r.status == 0 else { throw TestFailure(r.stderr) }
        return r.stdout
    }

    @Test("offsets equal Python's on an ext4 image, text and hex, overlapping ones included",
          .enabled(if: Capability.has("mkfs.ext4") && Capability.has("python3"), "needs mkfs.ext4 and python3"))
    func matchesPython() throws {
        let dir = try Scratch()
        let img = "\(dir.path)/ext4.img"
        let r = try Subprocess.sh("""
            truncate -s 24M '\(img)' && mkfs.ext4 -q -F -L batchlabel '\(img)' &&
            printf 'aaaaaaa' | dd of='\(img)' bs=1 seek=\(8 << 20 - 3) conv=notrunc status=none
            """)
        try #require(r.status == 0, "\(r.stderr)")
        for (args, hex) in [(["--text", "batchlabel"], "62617463686c6162656c"), (["--hex", "53 ef"], "53ef"),
                            (["--text", "aaa"], "616161"), (["--hex", "0x0000000000000000ffff"], "0000000000000000ffff")] {
            let mine = try Subprocess.run(Harness.blkview, ["search", img] + args)
            let expected = try Self.python(img, hex: hex)
            #expect(mine.status == (expected.isEmpty ? 1 : 0), "\(args): \(mine.stderr)")
            #expect(mine.stdout == expected, "\(args)")
            #expect(mine.stderr.isEmpty)
        }
    }

    @Test("--first and --json")
    func firstAndJSON() throws {
        let dir = try Scratch()
        let f = "\(dir.path)/t.bin"
        try Data(repeating: 0x41, count: 10).write(to: URL(fileURLWithPath: f))
        let first = try Harness.blkview("search", f, "--text", "AA", "--first")
        #expect(first.status == 0 && first.stdout == "0x0\n")
        let j = try Harness.blkview("search", f, "--hex", "41 41 41", "--json")
        #expect(j.status == 0)
        #expect(j.stdout.split(separator: "\n").count == 1)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["matches"] as? [Int] == Array(0...7))
        #expect(obj["count"] as? Int == 8)
        #expect(obj["pattern"] as? String == "41 41 41")
        #expect(obj["bytes_scanned"] as? Int == 10)
        #expect(obj["seconds"] is Double)
        let none = try Harness.blkview("search", f, "--text", "B", "--json")
        #expect(none.status == 1)
        let obj2 = try #require(try JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [String: Any])
        #expect((obj2["matches"] as? [Int])?.isEmpty == true)
    }

    @Test("a 20 GiB sparse file: holes skipped, matches at hole edges found")
    func sparse20G() throws {
        let dir = try Scratch()
        let f = "\(dir.path)/sparse20g.img"
        let g: Int64 = 1 << 30
        let r = try Subprocess.sh("""
            truncate -s 20G '\(f)' &&
            head -c 1048576 /dev/urandom | dd of='\(f)' bs=1M seek=3 conv=notrunc status=none &&
            head -c 1048576 /dev/urandom | dd of='\(f)' bs=1M seek=\(10 * 1024) conv=notrunc status=none &&
            printf '\\001\\002\\003' | dd of='\(f)' bs=1 seek=\(15 * g) conv=notrunc status=none &&
            printf '\\011\\012' | dd of='\(f)' bs=1 seek=\(19 * g + 4094) conv=notrunc status=none
            """)
        try #require(r.status == 0, "\(r.stderr)")
        let absent = try Harness.blkview("search", f, "--hex", "de ad be ef 01 02 03 04", "--json")
        #expect(absent.status == 1, "\(absent.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(absent.stdout.utf8)) as? [String: Any])
        let scanned = try #require(obj["bytes_scanned"] as? Int)
        #expect(scanned < 64 << 20, "holes were read: \(scanned) B")
        // Starting in a hole, ending in data; and starting in data, ending in a hole.
        let a = try Harness.blkview("search", f, "--hex", "00 00 01 02 03")
        #expect(a.stdout == "0x\(String(15 * g - 2, radix: 16))\n")
        let b = try Harness.blkview("search", f, "--hex", "09 0a 00 00 00")
        #expect(b.stdout == "0x\(String(19 * g + 4094, radix: 16))\n")
    }

    @Test("bad input: one line, status 2",
          arguments: [
            (["search", "/nonexistent/disk.img", "--text", "x"], "/nonexistent/disk.img"),
            (["search", "FILE", "--text", "x", "--hex", "41"], "either --hex or --text, not both"),
            (["search", "FILE"], "give the pattern with --hex or --text"),
            (["search", "FILE", "--hex", "zz"], "--hex must be pairs of hex digits"),
            (["search", "FILE", "--hex", "abc"], "--hex must be pairs of hex digits"),
            (["search", "FILE", "--text", ""], "--text must not be empty"),
          ])
    func badInput(arguments: [String], message: String) throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 1 << 20, random: true)
        let r = try Subprocess.run(Harness.blkview, arguments.map { $0 == "FILE" ? f : $0 })
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
    }
}
