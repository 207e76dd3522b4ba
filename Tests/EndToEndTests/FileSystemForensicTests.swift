import Foundation
import TestSupport
import Testing

/// `ls`, `cat`, `owner` and `export` under `--forensic` and strace (the
/// worker process is traced too): nothing written beside or to the evidence,
/// each export in the session log with the SHA-256 of what was written, and
/// a destination in the evidence's directory refused.
@Suite(.enabled(if: Capability.have("strace", "mkfs.fat", "mcopy", "ewfacquire", "sha256sum"), "needs strace, dosfstools, mtools, ewf-tools"), .serialized)
struct FileSystemForensicTests {
    /// A FAT16 image with a few files (one deleted), its split copy and E01, in `dir`.
    static func makeEvidence(_ dir: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try Subprocess.sh("""
            cd '\(dir)' && mkfs.fat -C -F 16 -n EV disk.raw 20480 >/dev/null && head -c 70000 /dev/urandom > a.bin \
            && printf 'PELICAN ledger\\n' > ledger.txt && export MTOOLS_SKIP_CHECK=1 && mmd -i disk.raw ::/docs \
            && mcopy -i disk.raw a.bin ledger.txt ::/docs/ && mcopy -i disk.raw a.bin ::/gone.bin && mdel -i disk.raw ::/gone.bin \
            && rm a.bin ledger.txt && split -b 4M -a 3 --numeric-suffixes=1 disk.raw set. \
            && ewfacquire -u -q -t img -S 1GiB -C C-1 disk.raw >/dev/null && rm -f *.log
            """)
        guard r.status == 0 else { throw TestFailure("evidence: \(r.stderr)") }
        return ["\(dir)/disk.raw", "\(dir)/set.001", "\(dir)/img.E01"]
    }

    @Test func filesCommandsWriteNothingAndLogExports() throws {
        let scratch = try Scratch()
        let ev = "\(scratch.path)/evidence"
        let paths = try Self.makeEvidence(ev)
        let before = try ForensicStraceTests.snapshot(ev)
        let log = "\(scratch.path)/session.log"
        for (i, p) in paths.enumerated() {
            let commands: [(String, [String])] = [
                ("ls", ["ls", "--forensic", "--log", log, p, "-r", "--json"]),
                ("cat", ["cat", "--forensic", "--log", log, p, "docs/ledger.txt", "-o", "\(scratch.path)/ledger-\(i).txt"]),
                ("owner", ["owner", "--forensic", "--log", log, p, "0x10000", "s100"]),
                ("export", ["export", "--forensic", "--log", log, p, "--offset", "s32", "--length", "1MiB", "-o", "\(scratch.path)/part-\(i).raw"]),
            ]
            for (name, argv) in commands {
                let traces = "\(scratch.path)/trace-\(i)-\(name)"
                try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
                let (r, lines) = try ForensicStraceTests.traced([Harness.blkview] + argv, traceDir: traces)
                ForensicStraceTests.audit(r, lines, evidenceDir: ev, noatime: true, "\(name) \(p)")
            }
            #expect(try String(contentsOfFile: "\(scratch.path)/ledger-\(i).txt", encoding: .utf8) == "PELICAN ledger\n")
        }
        #expect(try ForensicStraceTests.snapshot(ev) == before)
        // Each export is in the log with the SHA-256 of the file written.
        let text = try String(contentsOfFile: log, encoding: .utf8)
        for i in paths.indices {
            for f in ["ledger-\(i).txt", "part-\(i).raw"] {
                let sha = try Subprocess.sh("sha256sum < '\(scratch.path)/\(f)'").stdout.prefix(64)
                #expect(text.contains("to \(scratch.path)/\(f): ") && text.contains("sha256 \(sha)"), "\(f) not logged with sha256 \(sha)")
            }
        }
    }

    @Test func aDestinationBesideTheEvidenceIsRefused() throws {
        let scratch = try Scratch()
        let ev = "\(scratch.path)/evidence"
        let paths = try Self.makeEvidence(ev)
        let before = try ForensicStraceTests.snapshot(ev)
        let log = "\(scratch.path)/session.log"
        let a = try Harness.blkview(["export", "--forensic", "--log", log, paths[0], "--offset", "0", "--length", "4KiB", "-o", "\(ev)/copy.raw"])
        #expect(a.status != 0 && a.stderr.contains("evidence directory"), "\(a.stderr)")
        let b = try Harness.blkview(["cat", "--forensic", "--log", log, paths[2], "docs/ledger.txt", "-o", "\(ev)/sub/ledger.txt"])
        #expect(b.status != 0 && b.stderr.contains("evidence directory"), "\(b.stderr)")
        #expect(try ForensicStraceTests.snapshot(ev) == before)
        // Without --forensic the same export works (and leaves a sparse file).
        let c = try Harness.blkview(["export", paths[0], "--offset", "p0+0", "--length", "1MiB", "-o", "\(scratch.path)/x.raw"])
        #expect(c.status != 0)  // no partition 0 on a whole-disk FAT: one line
        let d = try Harness.blkview(["export", paths[0], "--offset", "0x0", "--length", "8MiB", "-o", "\(scratch.path)/x.raw"])
        #expect(d.status == 0, "\(d.stderr)")
        let same = try Subprocess.sh("cmp -n 8388608 '\(scratch.path)/x.raw' '\(paths[0])'")
        #expect(same.status == 0)
        let blocks = try Subprocess.sh("stat -c %b '\(scratch.path)/x.raw'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((Int(blocks) ?? .max) * 512 < 8 << 20, "the copy of a mostly empty FAT is not sparse (\(blocks) blocks)")
    }
}
