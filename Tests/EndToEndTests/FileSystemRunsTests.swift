import Foundation
import TestSupport
import Testing

/// `cat --runs`: where a file lives. Sparse runs are shown as such (and stay
/// holes in `cat -o`), NTFS resident data is located inside its MFT record.
@Suite(.enabled(if: FileSystemImages.tools, "needs the file-system image tools and sleuthkit"))
struct FileSystemRunsTests {
    @Test func sparseExt4FileShowsItsHolesAndStaysSparse() throws {
        let s = try Scratch()
        let r = try Subprocess.sh("""
            cd '\(s.path)' && mkdir tree && python3 -c "f=open('tree/sparse.bin','wb'); f.seek(1<<20); f.write(b'x'*5000); f.seek(3<<20); f.write(b'end')" \
            && mkfs.ext4 -q -F -b 1024 -d tree ext4.img 16M
            """)
        #expect(r.status == 0, "\(r.stderr)")
        let img = s.file("ext4.img")
        let runs = try Harness.blkview(["cat", img, "sparse.bin", "--runs"])
        #expect(runs.status == 0, "\(runs.stderr)")
        // libtsk 4.11 gives ext4's leading hole as a filler run (not stored), later ones as sparse.
        #expect(runs.stdout.contains("1024 blocks at file block 0") && !runs.stdout.contains("blocks 0-"), "\(runs.stdout)")
        #expect(runs.stdout.contains("blocks ") && runs.stdout.contains("at file block 1024"), "\(runs.stdout)")
        let c = try Harness.blkview(["cat", img, "sparse.bin", "-o", s.file("out")])
        #expect(c.status == 0, "\(c.stderr)")
        let same = try Subprocess.run("bash", ["-c", "icat '\(img)' $(ifind -n sparse.bin '\(img)') | cmp - '\(s.file("out"))'"])
        #expect(same.status == 0, "\(same.stdout)")
        let used = try Subprocess.sh("stat -c %b '\(s.file("out"))'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((Int(used) ?? .max) * 512 < 1 << 20, "the copy is not sparse: \(used) blocks")
    }

    @Test func ntfsResidentDataIsFoundInItsMFTRecord() throws {
        let raw = try FileSystemImages.raw("ntfs")
        let lines = try Subprocess.checked("fls", ["-r", "-p", "-F", "-u", raw]).stdout.split(separator: "\n")
        var checked = 0
        let image = try #require(FileHandle(forReadingAtPath: raw))
        defer { try? image.close() }
        for l in lines where l.hasPrefix("r/r ") && l.contains("-128-") && !l.contains("$") {
            let addr = String(l.split(separator: " ")[1].prefix { $0 != ":" })
            let content = try Subprocess.checked("bash", ["-c", "icat '\(raw)' \(addr) | od -An -tx1 -v"]).stdout
            let r = try Harness.blkview(["cat", raw, "--inode", addr, "--runs"])
            guard let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix(addr.split(separator: "-").dropFirst().joined(separator: "-")) && $0.contains("resident") }),
                  let at = line.range(of: "at media 0x") else { continue }
            let off = try #require(UInt64(line[at.upperBound...].prefix { $0.isHexDigit }, radix: 16))
            let size = try #require(Int(line.split(separator: " ").first { Int($0.dropLast()) != nil && $0.hasSuffix(":") }?.dropLast() ?? ""))
            try image.seek(toOffset: off)
            let bytes = image.readData(ofLength: size)
            let hex = bytes.map { String(format: "%02x", $0) }
            let want = content.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            // On disk, NTFS's fixups hold the last two bytes of every sector of the record.
            let differ = zip(hex, want).enumerated().filter { i, p in p.0 != p.1 && ![510, 511].contains((Int(off) + i) % 512) }
            #expect(hex.count == want.count && differ.isEmpty, "\(addr) at 0x\(String(off, radix: 16)): \(differ.count) bytes differ")
            checked += 1
            if checked == 10 { break }
        }
        #expect(checked >= 5, "too few resident files checked (\(checked))")
    }
}
