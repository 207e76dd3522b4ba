import Foundation
import TestSupport
import Testing

/// The viewer's `/`, `n` and `N` in tmux, on a sparse image, against
/// `blkview search` on the same image (one engine serves both).
@Suite("Viewer search in tmux", .enabled(if: Capability.has("tmux"), "tmux is not installed"), .serialized)
struct ViewerSearchTmuxTests {
    /// 64 MiB sparse: NEEDLE straddling the viewer's 1 MiB chunk edge, in the
    /// middle of a data island, and alone 40 MiB in, with holes between.
    static let needles = [0xffffd, 0x2345f7, 0x2800005]

    static func image(_ dir: Scratch) throws -> String {
        let f = try dir.sparse("search.img", bytes: 64 << 20)
        for at in needles {
            let r = try Subprocess.sh("printf 'NEEDLE' | dd of='\(f)' bs=1 seek=\(at) conv=notrunc status=none")
            guard r.status == 0 else { throw TestFailure("dd: \(r.stderr)") }
        }
        return f
    }

    @Test("/NEEDLE, n, n, n past the last says no more, n wraps to the top, N wraps to the bottom and walks back")
    func walkWrapAndBack() throws {
        let dir = try Scratch()
        let img = try Self.image(dir)
        let hex = Self.needles.map { "0x" + String($0, radix: 16) }

        // The batch command's list.
        let batch = try Harness.blkview("search", "--text", "NEEDLE", img)
        #expect(batch.status == 0, "\(batch.stderr)")
        let listed = batch.stdout.split(separator: "\n").map(String.init)
        #expect(listed == hex)

        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        try t.slash("NEEDLE")
        var seen: [String] = []
        try t.waitFor(text: "\"NEEDLE\" at \(hex[0])")
        seen.append(hex[0])
        for h in hex.dropFirst() {
            try t.send("n")
            try t.waitFor(text: "\"NEEDLE\" at \(h)")
            seen.append(h)
        }
        #expect(seen == listed, "the viewer's n and blkview search disagree")

        try t.send("n")
        try t.waitFor(text: "no more matches below \(hex[2]) — n again wraps to the top")
        try t.send("n")
        try t.waitFor(text: "\"NEEDLE\" at \(hex[0]) (wrapped to the top)")

        try t.send("N")
        try t.waitFor(text: "no more matches above \(hex[0]) — N again wraps to the bottom")
        try t.send("N")
        try t.waitFor(text: "\"NEEDLE\" at \(hex[2]) (wrapped to the bottom)")
        try t.send("N")
        let screen = try t.waitFor(text: "\"NEEDLE\" at \(hex[1])")
        #expect(screen.contains("0x2345f7 LBA"), "the cursor is on the match")

        try t.quit()
    }

    @Test("a 16 TiB - 4 KiB sparse image: / finds the match 1 TiB in, n the one 12 TiB in (holes not read)")
    func sixteenTiB() throws {
        let dir = try Scratch()
        let img = try dir.sparse("16t.img", bytes: (16 << 40) - 4096)
        for at in [(1 << 40) + 123, (12 << 40) + 77] {
            try #require(try Subprocess.sh("printf NEEDLE | dd of='\(img)' bs=1 seek=\(at) conv=notrunc status=none").status == 0)
        }
        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        try t.slash("NEEDLE")
        try t.waitFor(text: "\"NEEDLE\" at 0x1000000007b")
        try t.send("n")
        try t.waitFor(text: "\"NEEDLE\" at 0xc000000004d")
        try t.send("N")
        try t.waitFor(text: "\"NEEDLE\" at 0x1000000007b")
        try t.quit()
    }

    @Test("real EIO: the viewer skips the unreadable range in both directions and names it",
          .enabled(if: BatchFailureTests.canFUSE, "needs /dev/fuse, nbdkit and nbdfuse"))
    func pastUnreadable() throws {
        let img = try BatchFailureTests.BadImage()
        let batch = try Harness.blkview("search", img.disk, "--text", "hello")
        #expect(batch.stdout == "0x1000000\n0x2100000\n")
        let t = try TmuxSession("\(Harness.blkview) '\(img.disk)'")
        try t.waitFor(text: "read-only")
        try t.slash("hello")
        try t.waitFor(text: "\"hello\" at 0x1000000", seconds: 30)
        try t.send("n")
        try t.waitFor(text: "\"hello\" at 0x2100000; 1 unreadable range skipped at 0x2000000 (64 KiB)", seconds: 30)
        try t.send("N")
        try t.waitFor(text: "\"hello\" at 0x1000000; 1 unreadable range skipped at 0x2000000 (64 KiB)", seconds: 30)
        try t.quit()
    }

    @Test("a slow media: the status bar shows the search's progress, Esc cancels it, a new / runs",
          .enabled(if: BatchFailureTests.canFUSE, "needs /dev/fuse, nbdkit and nbdfuse"))
    func progressAndEscape() throws {
        let dir = try Scratch()
        let disk = "\(dir.path)/slow"
        // 4 GiB of zeros, 20 ms a request, no hole map through FUSE: minutes to search all of it.
        let r = try Subprocess.sh("""
            touch '\(disk)' &&
            (nbdfuse '\(disk)' --command nbdkit -s --filter=delay null size=4G rdelay=20ms >'\(dir.path)/fuse.log' 2>&1 &) &&
            for i in $(seq 50); do [ "$(stat -c %s '\(disk)')" = 4294967296 ] && exit 0; sleep 0.1; done; exit 1
            """)
        try #require(r.status == 0, "nbdfuse: \(r.stderr)")
        defer { _ = try? Subprocess.sh("fusermount3 -u '\(disk)'") }
        let t = try TmuxSession("\(Harness.blkview) '\(disk)'")
        try t.waitFor(text: "read-only", seconds: 30)
        try t.slash("NOT-THERE")
        try t.waitFor("progress") { $0.range(of: #"searching [0-9]+% \(Esc cancels\)"#, options: .regularExpression) != nil }
        try t.send("Escape")
        try t.waitFor(text: "search cancelled")
        try t.slash("00 00")
        try t.waitFor(text: "00 00 at 0x1", seconds: 30)
        try t.quit()
    }
}

extension TmuxSession {
    /// `/`, the pattern typed literally, Enter.
    fileprivate func slash(_ pattern: String) throws {
        try send("/")
        try waitFor(text: "search (hex")
        try type(pattern)
        try send("Enter")
    }

    /// `q`, and a clean exit with the terminal restored.
    fileprivate func quit() throws {
        try send("q")
        try waitFor(text: "[exit 0 tty-sane]", seconds: 30)
    }
}
