import Foundation
import TestSupport
import Testing

/// Hostile file systems: a directory that contains itself, a file that claims
/// 4 GiB on a 20 MiB volume, a walk cut by --max-entries. Each ends — with
/// output or one line on stderr — never a hang or a crash of blkview.
@Suite(.enabled(if: Capability.have("mkfs.fat", "mmd", "mcopy", "python3"), "needs dosfstools, mtools, python3"))
struct FileSystemHostileTests {
    /// FAT16 with /a/loop whose first cluster is /a's own, and /big.bin whose size says 4 GiB - 1.
    static func hostileFAT(_ dir: String) throws -> String {
        let img = "\(dir)/hostile.img"
        let r = try Subprocess.sh("""
            cd '\(dir)' && mkfs.fat -C -F 16 hostile.img 20480 >/dev/null && export MTOOLS_SKIP_CHECK=1 \
            && mmd -i hostile.img ::/a ::/a/loop && printf 'hello' > big.bin && mcopy -i hostile.img big.bin ::/ && rm big.bin
            """)
        guard r.status == 0 else { throw TestFailure("fixture: \(r.stderr)") }
        let py = """
        import struct, sys
        f = open(sys.argv[1], 'r+b'); b = f.read(512)
        bps, spc, res, nfat, nroot = struct.unpack_from('<HBHBH', b, 11); fatsz = struct.unpack_from('<H', b, 22)[0]
        root = (res + nfat * fatsz) * bps; data = root + nroot * 32; csize = spc * bps
        def entries(off, n):
            f.seek(off); d = f.read(n)
            return [(off + i, d[i:i+32]) for i in range(0, n, 32)]
        def find(lst, name):
            return next((o, e) for o, e in lst if e[:11] == name)
        ao, ae = find(entries(root, nroot * 32), b'A          ')
        acl = struct.unpack_from('<H', ae, 26)[0]
        lo, le = find(entries(data + (acl - 2) * csize, csize), b'LOOP       ')
        f.seek(lo + 26); f.write(struct.pack('<H', acl))            # /a/loop is /a
        bo, be = find(entries(root, nroot * 32), b'BIG     BIN')
        f.seek(bo + 28); f.write(struct.pack('<I', 0xFFFFFFFF))     # 4 GiB - 1 in one cluster
        f.close()
        """
        try py.write(toFile: "\(dir)/patch.py", atomically: true, encoding: .utf8)
        let p = try Subprocess.run("python3", ["\(dir)/patch.py", img])
        guard p.status == 0 else { throw TestFailure("patch: \(p.stderr)") }
        return img
    }

    @Test func aDirectoryLoopEnds() throws {
        let s = try Scratch()
        let img = try Self.hostileFAT(s.path)
        let r = try Harness.blkview(["ls", "-r", img])
        #expect(r.status == 0 || r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stdout.contains("a/loop"))
        let lines = r.stdout.split(separator: "\n").count
        #expect(lines < 10_000, "\(lines) lines: the loop was followed")
        // The same walk with a small limit ends with one line and status 1.
        let cut = try Harness.blkview(["ls", "-r", "--max-entries", "3", img])
        #expect(cut.status == 1 && cut.stderr.contains("stopped after 3 entries"), "\(cut.stderr)")
        #expect(cut.stdout.split(separator: "\n").count == 3)
    }

    /// libtsk 4.11 drops a FAT entry whose size exceeds the volume: the name
    /// is not listed, and asking for it is one line, not 4 GiB of output.
    @Test func anAbsurdSizeIsOneLine() throws {
        let s = try Scratch()
        let img = try Self.hostileFAT(s.path)
        let listing = try Harness.blkview(["ls", "--long", img])
        #expect(listing.status == 0 && !listing.stdout.contains("big.bin"), "\(listing.stdout)")
        let r = try Harness.blkview(["cat", img, "big.bin", "-o", s.file("big.out")])
        #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}
