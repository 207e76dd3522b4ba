import Foundation
import TestSupport
import Testing

/// Paths with ESC and newline in them (a hostile file name, a journal's
/// recorded path) never reach the terminal raw: every message escapes them.
@Suite("patch and undo: control characters in paths are escaped", .serialized)
struct UndoTerminalSafeTests {
    static let esc = "\u{1B}"

    static func clean(_ text: String, _ what: String) {
        #expect(!text.contains(esc), "\(what): a raw ESC reached the terminal: \(text.debugDescription)")
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(what): \(text.debugDescription)")
    }

    @Test("a missing journal or target whose path has ESC and newline: one escaped line, for every command",
          arguments: [
            ["undo", "/nonexistent/a\u{1B}[31mb\nc.bvundo"],
            ["patch", "/nonexistent/x\u{1B}]0;pwned\u{7}\n.img", "--at", "0", "--hex", "01"],
            ["hash", "/nonexistent/x\u{1B}[2J\n.img"],
            ["info", "/nonexistent/x\u{1B}[2J\n.img"],
            ["dump", "/nonexistent/x\u{1B}[2J\n.img"],
          ])
    func missing(arguments: [String]) throws {
        let r = try Subprocess.run(Harness.blkview, arguments)
        #expect(r.status != 0)
        Self.clean(r.stderr, arguments[0])
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr.debugDescription)")
        #expect(r.stderr.contains("/x\\e") || r.stderr.contains("/a\\e[31mb\\nc"), "\(r.stderr)")
        #expect(r.stderr.contains("\\n"), "\(r.stderr)")
    }

    @Test("an image and a journal named with ESC and newline: patch and undo print them escaped, and work")
    func realFiles() throws {
        let dir = try Scratch()
        let img = "\(dir.path)/disk\(Self.esc)[31m\nred.img"
        let j = "\(dir.path)/j\(Self.esc)[2J\nx.bvundo"
        try #require(try Subprocess.run("/bin/sh", ["-c", "head -c 1048576 /dev/urandom > \"$1\"", "sh", img]).status == 0)
        let before = try Subprocess.run("/bin/sh", ["-c", "sha256sum < \"$1\"", "sh", img]).stdout
        let p = try Harness.blkview("patch", img, "--at", "0x200", "--hex", "de ad", "--journal", j)
        #expect(p.status == 0, "\(p.stderr)")
        Self.clean(p.stdout, "patch")
        #expect(p.stdout.contains("disk\\e[31m\\nred.img") && p.stdout.contains("j\\e[2J\\nx.bvundo"), "\(p.stdout)")
        // The journal records the image's path; undo echoes it from there.
        let u = try Harness.blkview("undo", j)
        #expect(u.status == 0, "\(u.stderr)")
        Self.clean(u.stdout, "undo")
        #expect(u.stdout.hasPrefix("undo \(dir.path)/disk\\e[31m\\nred.img from \(dir.path)/j\\e[2J\\nx.bvundo:"), "\(u.stdout)")
        #expect(try Subprocess.run("/bin/sh", ["-c", "sha256sum < \"$1\"", "sh", img]).stdout == before)
        // JSON escapes them its own way (and stays valid JSON).
        let json = try Harness.blkview("undo", j, "--dry-run", "--json")
        #expect(json.status == 0, "\(json.stderr)")
        Self.clean(json.stdout.trimmingCharacters(in: .newlines), "undo --json")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(obj["target"] as? String == img && obj["journal"] as? String == j)
        // A refusal names both, escaped, on one line.
        let other = try dir.file("other.img", size: 1 << 19, random: true)
        let refused = try Harness.blkview("undo", j, "--target", other)
        #expect(refused.status != 0)
        Self.clean(refused.stderr, "refused undo")
        #expect(refused.stderr.contains("disk\\e[31m\\nred.img") && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    }
}
