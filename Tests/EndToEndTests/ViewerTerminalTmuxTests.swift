import Foundation
import TestSupport
import Testing

/// The viewer and the terminal it borrows: hostile partition starts, fatal
/// signals, Ctrl-Z, a non-UTF-8 locale, and the notes it owes the user.
@Suite("Viewer and its terminal, in tmux",
       .enabled(if: Capability.has("tmux") && Capability.has("sgdisk") && Capability.has("python3"), "needs tmux, sgdisk (gdisk) and python3"),
       .serialized)
struct ViewerTerminalTmuxTests {
    /// An 8 MiB GPT disk made by sgdisk whose entry 1 has StartingLBA 2^55,
    /// with both CRCs (array, header) recomputed so the table is "valid".
    static func forgedGPT(_ dir: Scratch) throws -> String {
        let img = try dir.file("gpt.img", size: 8 << 20)
        let mk = try Subprocess.sh("sgdisk -o -n 1:2048:+1M -n 2:4096:+1M '\(img)'")
        try #require(mk.status == 0, "\(mk.stderr)")
        let forge = """
        import struct, zlib, sys
        f = open(sys.argv[1], 'r+b'); d = bytearray(f.read())
        h = 512; n, size = struct.unpack_from('<II', d, h + 80); arr = struct.unpack_from('<Q', d, h + 72)[0] * 512
        struct.pack_into('<QQ', d, arr + 32, 1 << 55, (1 << 55) + 2047)
        struct.pack_into('<I', d, h + 88, zlib.crc32(bytes(d[arr:arr + n * size])) & 0xffffffff)
        hs = struct.unpack_from('<I', d, h + 12)[0]
        struct.pack_into('<I', d, h + 16, 0)
        struct.pack_into('<I', d, h + 16, zlib.crc32(bytes(d[h:h + hs])) & 0xffffffff)
        f.seek(0); f.write(d); f.close()
        """
        let script = "\(dir.path)/forge.py"
        try forge.write(toFile: script, atomically: true, encoding: .utf8)
        let r = try Subprocess.sh("python3 '\(script)' '\(img)'")
        try #require(r.status == 0, "\(r.stderr)")
        return img
    }

    @Test("StartingLBA 2^55: F7, s and goto p1 show a message, no trap, terminal sane after q")
    func forgedStart() throws {
        let dir = try Scratch()
        let img = try Self.forgedGPT(dir)
        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        try t.send("F7")
        var screen = try t.waitFor(text: "beyond 2^63 bytes")
        #expect(screen.contains("p2  "), "\(screen)")
        try t.send("s")
        try t.waitFor("panel closed") { !$0.contains("beyond 2^63") }
        try t.send("s")
        try t.waitFor(text: "beyond 2^63 bytes")
        try t.send(":")
        try t.type("p1")
        try t.send("Enter")
        screen = try t.waitFor(text: "goto: p1 starts beyond 2^63 bytes: it cannot be reached")
        try t.send(":")
        try t.type("p2")
        try t.send("Enter")
        try t.waitFor(text: "0x200000 LBA 4096")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }

    @Test("real tables: each EBR before its logical partition, a bad primary GPT header's defects and array, all on screen at 120x40",
          .enabled(if: Capability.has("sfdisk"), "needs sfdisk (fdisk)"))
    func realTablesInPanel() throws {
        let dir = try Scratch()
        let mbr = try dir.file("mbr.img", size: 32 << 20)
        let mk = try Subprocess.sh("printf 'label: dos\\n,2048,L\\n,,E\\n,2048,L\\n,2048,L\\n,2048,L\\n,2048,L\\n' | sfdisk -q '\(mbr)'")
        try #require(mk.status == 0, "\(mk.stderr)")
        let t = try TmuxSession("\(Harness.blkview) '\(mbr)'")
        try t.waitFor(text: "read-only")
        try t.send("s")
        let screen = try t.waitFor(text: "p8  Linux")
        let lines = screen.split(separator: "\n").map(String.init)
        func row(_ label: String) -> Int? { lines.firstIndex { $0.contains("  \(label)") } }
        for n in 5...8 {
            let ebr = try #require(row("EBR \(n)"), "EBR \(n) missing:\n\(screen)")
            let part = try #require(row("p\(n)  Linux"), "p\(n) missing:\n\(screen)")
            #expect(ebr < part, "EBR \(n) must come before p\(n):\n\(screen)")
        }
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")

        let gpt = try dir.file("gpt.img", size: 8 << 20)
        try #require(try Subprocess.sh("sgdisk -o -n 1:2048:+1M -n 2:4096:+1M '\(gpt)'").status == 0)
        // Spoil the primary header's CRC: the backup header is used, and the panel says so.
        try Subprocess.sh("printf '\\377' | dd of='\(gpt)' bs=1 seek=528 conv=notrunc status=none")
        let g = try TmuxSession("\(Harness.blkview) '\(gpt)'")
        try g.waitFor(text: "read-only")
        try g.send("s")
        let gs = try g.waitFor(text: "GPT backup header")
        let gl = gs.split(separator: "\n").map(String.init)
        #expect(gs.contains("defect: primary GPT header: bad header CRC"), "\(gs)")
        let order = ["  GPT header", "  GPT partition array", "  p1  ", "  p2  ", "  GPT backup partition array", "  GPT backup header"]
            .map { label in gl.firstIndex { $0.contains(label) } ?? -1 }
        #expect(!order.contains(-1) && order == order.sorted(), "\(order):\n\(gs)")
        try g.send("q")
        try g.waitFor(text: "[exit 0 tty-sane]")
    }

    /// The pid of the viewer: the child of the pane's shell.
    static func viewerPID(_ t: TmuxSession) throws -> Int32 {
        let pane = try t.run(["list-panes", "-t", t.name, "-F", "#{pane_pid}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let child = try Subprocess.sh("ps -o pid= --ppid \(pane)").stdout.split(separator: "\n").first
        return try #require(child.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }, "no child of pane \(pane)")
    }

    @Test("a fatal signal gives the terminal back (modes restored, default action kept)",
          arguments: [("ABRT", 134), ("TERM", 143), ("HUP", 129), ("SEGV", 139)])
    func fatalSignal(signal: String, status: Int) throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20, random: true)
        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        let pid = try Self.viewerPID(t)
        try Subprocess.sh("kill -\(signal) \(pid)")
        let screen = try t.waitFor(text: "[exit ")
        #expect(screen.contains("[exit \(status) tty-sane]"), "\(screen)")
    }

    @Test("Ctrl-Z stops the viewer and gives the shell its prompt; fg redraws; input goes to the shell")
    func suspendResume() throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20, random: true)
        let t = try TmuxSession("PS1='shell$ ' bash --norc --noprofile -i")
        try t.waitFor(text: "shell$")
        try t.type("\(Harness.blkview) '\(img)'")
        try t.send("Enter")
        try t.waitFor(text: "read-only")
        try t.send("C-z")
        try t.waitFor(text: "Stopped")
        try t.type("echo back-in-the-shell")
        try t.send("Enter")
        var screen = try t.waitFor(text: "\nback-in-the-shell")
        #expect(!screen.contains("goto:"))
        try t.type("fg")
        try t.send("Enter")
        screen = try t.waitFor("viewer redrawn") { $0.contains("read-only") && $0.contains("00000000") && !$0.contains("back-in-the-shell") }
        try t.send("j")
        try t.waitFor(text: "0x10 LBA 0")
        try t.send("q")
        try t.waitFor(text: "shell$")
        try t.type("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo END")
        try t.send("Enter")
        try t.waitFor(text: "icanon echo END")
    }

    @Test("LANG=C: markers, separators and borders fall back to ASCII instead of vanishing")
    func asciiLocale() throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20)
        try Subprocess.sh("printf 'A\\200\\001\\tB_ C' | dd of='\(img)' bs=1 seek=16 conv=notrunc status=none")
        let t = try TmuxSession("env LANG=C LC_ALL=C \(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        let screen = try t.waitFor(text: "00000000+ 00 00")
        #expect(screen.contains("+................"), "NUL markers:\n\(screen)")
        #expect(screen.contains("|A#*~B_ C........"), "byte classes:\n\(screen)")
        #expect(screen.contains(" x"), "engine slots 'x':\n\(screen)")
        try t.send("s")
        try t.waitFor(text: "+- Structure")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }

    @Test("--width 32 at 120 columns says why it shows 16; a forensic session names its log")
    func notes() throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20, random: true)
        let t = try TmuxSession("\(Harness.blkview) --width 32 '\(img)'")
        try t.waitFor(text: "--width 32 needs 143 columns (this terminal has 120); showing 16")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
        let logs = try Scratch()  // a forensic session's log never sits beside the evidence
        let log = "\(logs.path)/s.log"
        let f = try TmuxSession("\(Harness.blkview) --forensic --log '\(log)' '\(img)'", width: 220)
        try f.waitFor(text: "log \(log)")
        try f.send("?")
        try f.waitFor(text: "Session log  \(log)")
        try f.send("Escape", "q")
        try f.waitFor(text: "[exit 0 tty-sane]")
    }
}
