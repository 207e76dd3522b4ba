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
        try t.send("/")
        try t.waitFor(text: "search")
        try t.type("NEEDLE")
        try t.send("Enter")
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

        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }
}
