import Foundation
import TestSupport
import Testing

/// The real viewer in tmux: what a user sees and types.
@Suite("Viewer in tmux", .enabled(if: Capability.has("tmux"), "tmux is not installed"), .serialized)
struct ViewerTmuxTests {
    /// A 4 MiB image with a marker at a known offset and random bytes elsewhere.
    static func image(_ dir: Scratch) throws -> String {
        let f = try dir.file("disk.img", size: 4 << 20, random: true)
        try Subprocess.sh("printf 'NEEDLE-IN-HAYSTACK' | dd of='\(f)' bs=1 seek=\(0x2345f7) conv=notrunc status=none")
        return f
    }

    /// The row of `xxd` for `offset` (16 bytes) as the viewer prints it: "aabb ccdd…" → "aa bb cc dd …".
    static func xxdBytes(_ path: String, at offset: Int) throws -> [String] {
        let r = try Subprocess.sh("xxd -s \(offset) -l 16 -p '\(path)'")
        let hex = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return stride(from: 0, to: hex.count, by: 2).map {
            String(hex[hex.index(hex.startIndex, offsetBy: $0)..<hex.index(hex.startIndex, offsetBy: $0 + 2)])
        }
    }

    static func row(_ screen: String, offset: Int) -> String? {
        let key = String(format: "%08x", offset)
        return screen.split(separator: "\n").first { $0.hasPrefix(key) }.map(String.init)
    }

    @Test("goto shows the same bytes as xxd; paging, search, panels, resize and quit work")
    func session() throws {
        let dir = try Scratch()
        let img = try Self.image(dir)
        let stats = "\(dir.path)/stats.json"
        let t = try TmuxSession("\(Harness.blkview) '\(img)' --stats '\(stats)'")
        try t.waitFor(text: "read-only")
        try t.waitFor(text: "00000000")

        // Goto: the row on screen equals xxd's bytes.
        try t.send(":")
        try t.waitFor(text: "goto:")
        try t.type("0x1000")
        try t.send("Enter")
        var screen = try t.waitFor("row 0x1000 loaded") { s in
            Self.row(s, offset: 0x1000).map { !$0.contains("··") } ?? false
        }
        let want = try Self.xxdBytes(img, at: 0x1000)
        let row = try #require(Self.row(screen, offset: 0x1000))
        #expect(want.allSatisfy { row.contains($0) })
        #expect(row.contains(want[0..<8].joined(separator: " ")))
        #expect(screen.contains("0x1000 LBA 8"))

        // Page down moves one screen.
        try t.send("PageDown")
        screen = try t.waitFor("cursor moved") { !$0.contains("0x1000 LBA 8") }
        #expect(screen.contains("LBA"))

        // Search text, then the hex spelling of the same bytes from the start.
        try t.send("/")
        try t.waitFor(text: "search")
        try t.type("\"NEEDLE\"")
        try t.send("Enter")
        screen = try t.waitFor(text: "at 0x2345f7")
        #expect(screen.contains("NEEDLE"))
        try t.send("g", "/")
        try t.type("4e 45 45 44 4c 45")
        try t.send("Enter")
        try t.waitFor(text: "4e 45 45 44 4c 45 at 0x2345f7")

        // Panels: each toggles on and off.
        try t.send("i")
        try t.waitFor(text: "In flight")
        try t.send("L")
        try t.waitFor(text: "Latency (µs)")
        try t.send("w")
        screen = try t.waitFor(text: "Write journal")
        #expect(screen.contains("read-only session"))
        try t.send("i", "L", "w")
        try t.waitFor("panels closed") { !$0.contains("In flight") && !$0.contains("Write journal") }

        // Edit keys explain why they are refused.
        try t.send("e")
        try t.waitFor(text: "read-only: reopen with --write")

        // Help.
        try t.send("?")
        try t.waitFor(text: "blkview keys")
        try t.send("Escape")
        try t.waitFor("help closed") { !$0.contains("blkview keys") }

        // Resize to 80x24: still a full frame with the status bar.
        try t.resize(width: 80, height: 24)
        try t.waitFor("80 columns") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 23 && lines.contains { $0.contains("read-only") } && lines.allSatisfy { $0.count <= 80 }
        }

        // Quit: clean exit and a sane terminal (echo and canonical mode back).
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
        let json = try String(contentsOfFile: stats, encoding: .utf8)
        #expect(json.contains("\"key_to_frame_us\""))
    }

    @Test("--hash: the status bar shows progress, H H cancels the background pass, Ctrl-C the exit pass")
    func cancelBackgroundHash() throws {
        let dir = try Scratch()
        let img = "\(dir.path)/big.img"
        // 64 GiB of holes: no disk space, ~70 s of MD5, so nothing finishes on its own.
        try #require(try Subprocess.sh("truncate -s 64G '\(img)'").status == 0)
        let t = try TmuxSession("\(Harness.blkview) view --hash --hash-algorithms md5 '\(img)'")
        try t.waitFor("progress") { $0.range(of: #"hash [1-9][0-9]?%"#, options: .regularExpression) != nil }
        try t.send("H")
        try t.waitFor(text: "H again cancels the background hash")
        try t.send("j")
        try t.send("H")
        try t.waitFor(text: "H again cancels the background hash")
        try t.send("H")
        try t.waitFor(text: "hash cancelled")
        try t.send("H")
        try t.waitFor(text: "no background hash is running")
        try t.send("q")
        try t.waitFor(text: "blkview: background hash cancelled at")
        // The exit pass: a progress bar on stderr; Ctrl-C stops it.
        try t.send("C-c")
        let screen = try t.waitFor(text: "[exit ")
        #expect(screen.contains("(cancelled with H)"), "\(screen)")
        #expect(screen.contains("exit hash cancelled"), "\(screen)")
    }

    @Test("an E01 in the viewer: case and stored MD5 in the structure panel, bytes by goto, --hash checked against the stored MD5",
          .enabled(if: Capability.has("ewfacquire"), "ewfacquire is not installed (ewf-tools)"))
    func ewfInViewer() throws {
        let dir = try Scratch()
        let raw = try Self.image(dir)
        let acq = try Subprocess.sh("cd '\(dir.path)' && ewfacquire -u -q -t img -c none -C 'CASE-9' -e 'J. Doe' '\(raw)'")
        try #require(acq.status == 0, "\(acq.stderr)")
        let md5 = try Subprocess.sh("md5sum < '\(raw)'").stdout.prefix(32)
        let logs = try Scratch()
        let t = try TmuxSession("\(Harness.blkview) --forensic --hash --log '\(logs.path)/s.log' '\(dir.path)/img.E01'")
        try t.waitFor(text: "libewf decodes on")
        try t.send("s")
        // The panel grows to its content once the structure probe is in.
        let screen = try t.waitFor(text: "stored md5 \(md5)")
        #expect(screen.contains("EWF · case CASE-9"), "\(screen)")
        #expect(screen.contains("examiner J. Doe"), "\(screen)")
        try t.send(":")
        for c in "0x2345f7" { try t.send(String(c)) }
        try t.send("Enter")
        try t.waitFor(text: "NEEDLE-IN")  // the ASCII column of 0x2345f0, read through libewf
        // The panels see EWF reads: latency per class, with a count.
        try t.send("L")
        let panels = try t.waitFor("a visible-class latency row") { $0.range(of: #"visible +[1-9][0-9]* "#, options: .regularExpression) != nil }
        #expect(panels.contains("Latency"), "\(panels)")
        #expect(!panels.contains("no completions yet"), "\(panels)")
        try t.waitFor(text: "hashed ✓")
        try t.send("q")
        let end = try t.waitFor(text: "[exit 0 tty-sane]")
        // At exit: both passes agree, and match the MD5 stored at acquisition.
        #expect(end.contains("media hash at start and at exit agree"), "\(end)")
        #expect(end.contains("exit hash: MD5 match: \(md5) (stored in the image"), "\(end)")
        let log = try String(contentsOfFile: "\(logs.path)/s.log", encoding: .utf8)
        #expect(log.contains("verify MD5 match: \(md5)"), "\(log)")
    }

    @Test("bad paths: one clear line and a non-zero exit, before any screen")
    func badPaths() throws {
        let dir = try Scratch()
        let empty = try dir.file("empty.img", size: 0)
        let fifo = "\(dir.path)/fifo"
        try Subprocess.sh("mkfifo '\(fifo)'")
        let sock = "\(dir.path)/sock"
        try Subprocess.sh("python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.bind('\(sock)')\"")
        var cases: [([String], String)] = [
            (["/nonexistent/x.img"], "/nonexistent/x.img"),
            ([dir.path], "directory"),
            ([empty], "empty"),
            (["/dev/null"], "character device"),
            ([fifo], "FIFO"),
        ]
        if FileManager.default.fileExists(atPath: sock) { cases.append(([sock], "socket")) }
        for (args, needle) in cases {
            let r = try Subprocess.run(Harness.blkview, args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(needle), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count <= 2, "one line (plus usage hint at most): \(r.stderr)")
        }
    }

    @Test("an unreadable image says read access is missing (run as nobody)",
          .enabled(if: Capability.isRoot && Capability.has("setpriv"), "needs root to switch to nobody"))
    func permissionDenied() throws {
        let dir = try Scratch()
        let f = try dir.file("secret.img", size: 1 << 20, random: true)
        try Subprocess.sh("chmod 0600 '\(f)'; chmod 0755 '\(dir.path)'")
        let r = try Subprocess.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Harness.blkview, f])
        try #require(!r.stderr.contains("Permission denied") || r.stderr.contains(f),
                     "the binary itself may not be reachable by nobody: \(r.stderr)")
        #expect(r.status != 0)
        #expect(r.stderr.contains(f) && r.stderr.contains("read"), "\(r.stderr)")
    }
}
