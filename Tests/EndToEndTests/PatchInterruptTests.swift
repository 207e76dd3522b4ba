import Foundation
import TestSupport
import Testing

/// Ctrl-C during `blkview patch`: the real binary in tmux (a real terminal
/// sends SIGINT to the foreground job), a patch of many blocks.
@Suite("blkview patch: Ctrl-C", .serialized)
struct PatchInterruptTests {
    @Test("Ctrl-C stops a patch between blocks: exit 130, says how far it got, and undo restores the original exactly",
          .enabled(if: Capability.has("tmux"), "tmux is not installed"))
    func interrupted() throws {
        let dir = try Scratch()
        let img = "\(dir.path)/big.img"
        let data = "\(dir.path)/p.bin"
        // 4 MiB = 64 blocks of 64 KiB with --sync full: seconds of work (a
        // journal fsync, a synchronous write and a read-back per block), so
        // that Ctrl-C lands in the middle.
        try #require(try Subprocess.sh("head -c \(8 << 20) /dev/urandom > '\(img)' && head -c \(4 << 20) /dev/urandom > '\(data)'").status == 0)
        let before = try PatchCommandTests.sha(img)
        let j = "\(dir.path)/j.bvundo"
        let t = try TmuxSession("\(Harness.blkview) patch '\(img)' --at 0x1000 --from '\(data)' --sync full --journal '\(j)' > '\(dir.path)/out.txt'", width: 300)
        // Three records are durable: the patch is under way.
        try t.waitFor("three journal records", seconds: 60) { _ in
            ((try? FileManager.default.attributesOfItem(atPath: j)[.size] as? Int) ?? 0) > 3 * (2 * 65536 + 40)
        }
        try t.send("C-c")
        let screen = try t.waitFor(text: "[exit ", seconds: 60)
        #expect(screen.contains("[exit 130 "), "\(screen)")
        #expect(screen.contains("blkview: stopping (Ctrl-C again quits at once)"), "\(screen)")
        let line = try #require(screen.split(separator: "\n").first { $0.contains("interrupted (Ctrl-C): stopped after") }, "\(screen)")
        // "stopped after N of 64 blocks; undo with: blkview undo 'J'"
        let n = try #require(Int(line.split(separator: "after ")[1].split(separator: " ")[0]), "\(line)")
        #expect(line.contains(" of 64 blocks; undo with: blkview undo '\(j)'"), "\(line)")
        #expect(n >= 3 && n < 64, "\(line)")
        let out = try String(contentsOfFile: "\(dir.path)/out.txt", encoding: .utf8)
        #expect(out.hasPrefix("STOPPED patching"), "\(out.prefix(300))")
        #expect(out.components(separatedBy: "  verified").count - 1 == n, "verified blocks = the count said")
        // The journal is consistent: exactly N records, none damaged; undo restores.
        let dry = try Harness.blkview("undo", j, "--dry-run", "--json")
        #expect(dry.status == 0 && dry.stdout.contains("\"records\":\(n),\"ignored_tail_bytes\":0,"), "\(dry.stdout) \(dry.stderr)")
        let u = try Harness.blkview("undo", j)
        #expect(u.status == 0 && u.stdout.contains("\(n) block\(n == 1 ? "" : "s") restored"), "\(u.stdout) \(u.stderr)")
        #expect(try PatchCommandTests.sha(img) == before)
    }
}
