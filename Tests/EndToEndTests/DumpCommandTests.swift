import Foundation
import TestSupport
import Testing

/// `blkview dump` against the real `hexdump -C`, driven as a user would.
@Suite("blkview dump")
struct DumpCommandTests {
    /// An ext4 image made by mkfs.ext4 (zero runs, metadata, a partial tail)
    /// and a sparse file with some data: both with odd sizes.
    static func fixtures(_ dir: Scratch) throws -> (ext4: String, sparse: String) {
        let ext4 = "\(dir.path)/ext4.img"
        let sparse = "\(dir.path)/sparse.img"
        let r = try Subprocess.sh("""
            truncate -s 8M '\(ext4)' && mkfs.ext4 -q -F -L batch '\(ext4)' && truncate -s 8389000 '\(ext4)' &&
            truncate -s 3000001 '\(sparse)' && printf 'hello, sparse world\\n' | dd of='\(sparse)' bs=1 seek=1048570 conv=notrunc status=none &&
            head -c 5000 /dev/urandom | dd of='\(sparse)' bs=1 seek=2000000 conv=notrunc status=none
            """)
        guard r.status == 0 else { throw TestFailure("fixtures: \(r.stderr)") }
        return (ext4, sparse)
    }

    @Test("--format canonical equals hexdump -C on several ranges",
          .enabled(if: Capability.has("hexdump") && Capability.has("mkfs.ext4"), "needs hexdump and mkfs.ext4"))
    func equalsHexdump() throws {
        let dir = try Scratch()
        let (ext4, sparse) = try Self.fixtures(dir)
        let cases: [(String, Int64?, Int64?)] = [
            (ext4, nil, nil),  // the whole image: repeated-line runs, partial tail
            (ext4, 1024, 1024),  // the superblock
            (ext4, 1001, 70_001),  // not aligned
            (ext4, 8_388_900, 4096),  // crossing the end
            (sparse, nil, nil),
            (sparse, 1_048_560, 40),  // the text, across a 16-byte line
            (sparse, 3_000_001, 10),  // at the end: the end offset only
            (sparse, 4_000_000, nil),  // past the end: hexdump prints the size's offset line, status 0
            (ext4, 9_000_000, 16),
        ]
        for (path, offset, length) in cases {
            var mine = ["dump", path, "--format", "canonical"]
            var theirs = ["-C"]
            if let offset {
                mine += ["--offset", "\(offset)"]
                theirs += ["-s", "\(offset)"]
            }
            if let length {
                mine += ["--length", "0x\(String(length, radix: 16))"]
                theirs += ["-n", "\(length)"]
            }
            let a = try Subprocess.run(Harness.blkview, mine)
            let b = try Subprocess.run(try #require(Subprocess.which("hexdump")), theirs + [path])
            #expect(a.status == 0, "\(mine): \(a.stderr)")
            #expect(a.stderr.isEmpty)
            #expect(a.stdout == b.stdout, "\(mine) differs from hexdump \(theirs)")
            #expect(!a.stdout.isEmpty)
        }
    }

    @Test("--format color: classes coloured, NO_COLOR honoured")
    func color() throws {
        let dir = try Scratch()
        let f = "\(dir.path)/t.bin"
        try Data("AB\u{0}\n\u{1}".utf8 + [0xFF]).write(to: URL(fileURLWithPath: f))
        let c = try Subprocess.run(Harness.blkview, ["dump", f, "--format", "color"], environment: ["NO_COLOR": ""])
        #expect(c.status == 0)
        #expect(c.stdout.contains("\u{1B}[36m41 42"), "printable ASCII in cyan")
        #expect(c.stdout.contains("\u{1B}[33mff"), "non-ASCII in yellow")
        let plain = try Subprocess.run(Harness.blkview, ["dump", f, "--format", "color"], environment: ["NO_COLOR": "1"])
        #expect(plain.status == 0)
        #expect(!plain.stdout.contains("\u{1B}"))
        #expect(plain.stdout.contains("│00000000│ 41 42 00 0a 01 ff"))
        #expect(plain.stdout.contains("│AB⋄_•×"))
    }

    @Test("dump | head -1 ends quietly with status 0")
    func epipe() throws {
        let dir = try Scratch()
        let f = try dir.file("big.img", size: 16 << 20, random: true)
        let r = try Subprocess.run("/bin/bash", ["-c", "'\(Harness.blkview)' dump '\(f)' 2>'\(dir.path)/err' | head -1; echo \"${PIPESTATUS[0]}\"; cat '\(dir.path)/err'"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2, "one dump line, the status, no error text: \(r.stdout)")
        #expect(lines.first?.hasPrefix("00000000  ") == true)
        #expect(lines.last == "0")
    }

    @Test("--offset takes the goto syntax (s1 = one sector, s1+0x10): the same lines as the byte offset")
    func offsetInSectors() throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 1 << 20, random: true)
        let bytes = try Harness.blkview("dump", f, "--offset", "528", "--length", "32")
        let sectors = try Harness.blkview("dump", f, "--offset", "s1+0x10", "--length", "32")
        try #require(bytes.status == 0, "\(bytes.stderr)")
        #expect(sectors.status == 0, "\(sectors.stderr)")
        #expect(sectors.stdout == bytes.stdout)
        #expect(sectors.stdout.hasPrefix("00000210  "))
    }

    @Test("bad input: one line on stderr, status 1, nothing on stdout",
          arguments: [
            (["dump", "/nonexistent/disk.img"], "/nonexistent/disk.img"),
            (["dump", "FILE", "--offset=-5"], "--offset must be a position"),
            (["dump", "FILE", "--offset", "banana"], "--offset must be a position"),
            (["dump", "FILE", "--length", "1q"], "--length must be a byte count"),
            (["dump", "FILE", "--format", "xxd"], "--format must be canonical or color"),
          ])
    func badInput(arguments: [String], message: String) throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 1 << 20, random: true)
        let r = try Subprocess.run(Harness.blkview, arguments.map { $0 == "FILE" ? f : $0 })
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
    }
}
