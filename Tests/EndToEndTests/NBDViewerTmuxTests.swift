import Foundation
import Glibc
import TestSupport
import Testing

/// The viewer on an NBD export in tmux: the bytes, the status-bar label,
/// `??` for ranges the server fails, and a server that dies.
@Suite("Viewer on NBD in tmux", .enabled(if: NBDServer.available && Capability.has("tmux"), "needs nbdkit, nbdcopy, qemu-utils and tmux"),
       .serialized)
struct NBDViewerTmuxTests {
    @Test("nbd+unix: the row at 0x1000 equals xxd's bytes; the status bar says nbd ×N; the in-flight panel opens")
    func bytesAndLabel() throws {
        let s = try Scratch()
        let raw = try s.file("disk.img", size: 4 << 20, random: true)
        let server = try NBDServer(dir: s.path, plugin: ["file", raw])
        let t = try TmuxSession("\(Harness.blkview) --slots 16 '\(server.uri)'", width: 200, height: 40)
        try t.waitFor(text: "00000000", seconds: 20)
        try t.waitFor(text: "nbd ×16")
        try t.send(":")
        try t.waitFor(text: "goto:")
        try t.type("0x1000")
        try t.send("Enter")
        let screen = try t.waitFor("row 0x1000 loaded") { s in
            ViewerTmuxTests.row(s, offset: 0x1000).map { !$0.contains("··") } ?? false
        }
        let want = try ViewerTmuxTests.xxdBytes(raw, at: 0x1000)
        let row = try #require(ViewerTmuxTests.row(screen, offset: 0x1000))
        #expect(row.contains(want[0..<8].joined(separator: " ")), "\(row)")
        try t.send("i")
        try t.waitFor(text: "In flight")
        try t.send("q")
    }

    @Test("a range the server fails draws as ??; a killed server leaves the screen and the terminal sane")
    func failuresAndKill() throws {
        let s = try Scratch()
        let raw = try s.file("disk.img", size: 4 << 20, random: true)
        let map = """
            # Rescue Logfile
            # current_pos  current_status  current_pass
            0x00000000     +               1
            #      pos        size  status
            0x00000000  0x00200000  +
            0x00200000  0x00010000  -
            0x00210000  0x001F0000  +

            """
        try map.write(toFile: s.file("map"), atomically: true, encoding: .utf8)
        let server = try NBDServer(dir: s.path, filters: ["ddrescue"], plugin: ["file", raw, "ddrescue-mapfile=\(s.file("map"))"])
        let t = try TmuxSession("\(Harness.blkview) '\(server.uri)'")
        try t.waitFor(text: "00000000", seconds: 20)
        try t.send(":")
        try t.waitFor(text: "goto:")
        try t.type("0x200000")
        try t.send("Enter")
        let screen = try t.waitFor("?? drawn") { ViewerTmuxTests.row($0, offset: 0x200000)?.contains("??") ?? false }
        #expect(!(ViewerTmuxTests.row(screen, offset: 0x200000)?.contains("00 00 00 00") ?? true))
        server.kill()
        try t.send("G")
        try t.waitFor("the viewer still draws") { $0.contains("00200000") || $0.contains("003f") }
        try t.send("q")
        let end = try t.waitFor("exit", seconds: 20) { $0.contains("[exit ") }
        #expect(end.contains("tty-sane]"), "\(end)")
    }
}
