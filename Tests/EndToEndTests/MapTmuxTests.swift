import Foundation
import TestSupport
import Testing

/// The overview map and the data inspector in the real viewer (tmux), and
/// `blkview map` on the same kind of image.
@Suite("Overview map and data inspector", .enabled(if: Capability.has("tmux") && Capability.has("sfdisk"), "needs tmux and sfdisk"),
       .serialized)
struct MapTmuxTests {
    static let mib = 1 << 20

    /// 4 MiB: a hole, text, random, written zeros (1 MiB each).
    static func image(_ dir: Scratch, name: String = "regions.img") throws -> String {
        let img = try dir.sparse(name, bytes: Int64(4 * mib))
        try Subprocess.checked("sh", ["-c", """
            yes 'Superblocks, inodes and directory entries in plain English.' | head -c \(mib) | dd of="$1" bs=1M seek=1 conv=notrunc status=none iflag=fullblock
            head -c \(mib) /dev/urandom | dd of="$1" bs=1M seek=2 conv=notrunc status=none iflag=fullblock
            head -c \(mib) /dev/zero | dd of="$1" bs=1M seek=3 conv=notrunc status=none iflag=fullblock
            """, "sh", img])
        return img
    }

    /// The map's cells as drawn: the rows under the legend, inside the borders.
    static func cells(_ screen: String) throws -> (cells: [Character], gridTop: Int) {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let legend = try #require(lines.firstIndex { $0.contains("zero/hole") && $0.contains("partition start") })
        var cells: [Character] = []
        for line in lines[(legend + 1)..<(legend + 6)] { cells += Array(line.dropFirst().prefix(118)) }
        return (cells, legend + 1)
    }

    /// The cursor's offset from the status bar (`0x1234 LBA 9`).
    static func cursor(_ screen: String) -> Int? {
        guard let r = screen.range(of: #"0x[0-9a-f]+ LBA \d+"#, options: .regularExpression) else { return nil }
        return Int(screen[r].split(separator: " ")[0].dropFirst(2), radix: 16)
    }

    @Test("the map shows the zero, text and random regions in the right cells; ], [, Enter and a click land in them")
    func mapInTheViewer() throws {
        let dir = try Scratch()
        let img = try Self.image(dir)
        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        try t.send("m")
        let screen = try t.waitFor(text: "Map · whole media · complete")
        // 1024 plan cells drawn as 590 (118 × 5): 147.5 of them a region.
        let (cells, gridTop) = try Self.cells(screen)
        #expect(cells.count == 590)
        #expect(Set(cells[2..<146]) == ["·"], "the hole: \(String(cells[0..<147]))")
        #expect(Set(cells[149..<294]) == ["▒"], "the text: \(String(cells[147..<295]))")
        #expect(Set(cells[296..<441]) == ["█"], "the random bytes: \(String(cells[295..<443]))")
        #expect(Set(cells[444..<590]) == ["·"], "the written zeros")
        // ] lands on each change of class, [ goes back.
        for expected in [0x100000, 0x200000, 0x300000] {
            try t.send("]")
            try t.waitFor("the cursor at 0x\(String(expected, radix: 16))") { Self.cursor($0) == expected }
        }
        try t.send("[")
        try t.waitFor("the cursor back at 0x200000") { Self.cursor($0) == 0x200000 }
        try t.send("g")
        try t.waitFor("the cursor at 0") { Self.cursor($0) == 0 }
        // Focus the map, three rows down (cell 354: the random bytes), Enter.
        try t.send("Tab", "Down", "Down", "Down", "Enter")
        let jumped = try t.waitFor("a jump into the random region") { s in Self.cursor(s).map { (0x200000..<0x300000).contains($0) } ?? false }
        #expect(jumped.contains("map: 0x2"), "\(jumped)")
        // A click (SGR mouse report, 1-based) on cell 220: the text.
        try t.type("\u{1B}[<0;\(2 + 220 % 118);\(gridTop + 1 + 220 / 118)M\u{1B}[<0;\(2 + 220 % 118);\(gridTop + 1 + 220 / 118)m")
        try t.waitFor("a click into the text region") { s in Self.cursor(s).map { (0x100000..<0x200000).contains($0) } ?? false }
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }

    @Test("blkview map: text and --json name the regions; --full reads every data byte; --partition maps one partition")
    func mapCommand() throws {
        let dir = try Scratch()
        let img = try Self.image(dir)
        let r = try Harness.blkview("map", img, "--cells", "4", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let cells = try #require(json["cells"] as? [[String: Any]])
        #expect(cells.map { $0["class"] as? String } == ["zero", "low", "high", "zero"])
        #expect(cells.map { $0["offset"] as? Int } == [0, Self.mib, 2 * Self.mib, 3 * Self.mib])
        #expect((cells[2]["entropy"] as? Double ?? 0) > 7.9)
        #expect(cells[0]["zero_fraction"] as? Double == 1 && cells[0]["hole_bytes"] as? Int == Self.mib)
        #expect(json["complete"] as? Bool == true && json["hole_map"] as? Bool == true)
        let full = try Harness.blkview("map", img, "--cells", "4", "--full", "--json")
        let fj = try #require(try JSONSerialization.jsonObject(with: Data(full.stdout.utf8)) as? [String: Any])
        #expect(fj["bytes_read"] as? Int == 3 * Self.mib)
        #expect((fj["cells"] as? [[String: Any]])?.allSatisfy { $0["exact"] as? Bool == true } == true)
        let text = try Harness.blkview("map", img, "--cells", "4")
        #expect(text.stdout.contains("0x00200000  1 MiB       high"), "\(text.stdout)")
        // A partition over the text and the random bytes.
        try Subprocess.checked("sh", ["-c", "printf 'start=2048, size=4096\\n' | sfdisk -q '\(img)'"])
        let part = try Harness.blkview("map", img, "--partition", "1", "--cells", "2", "--json")
        let pj = try #require(try JSONSerialization.jsonObject(with: Data(part.stdout.utf8)) as? [String: Any])
        #expect(pj["offset"] as? Int == Self.mib && pj["length"] as? Int == 2 * Self.mib && pj["partition"] as? Int == 1)
        #expect((pj["cells"] as? [[String: Any]])?.map { $0["class"] as? String } == ["low", "high"])
        let bad = try Harness.blkview("map", img, "--partition", "5")
        #expect(bad.status == 2)
        #expect(bad.stderr == "Error: \(img) has no partition 5 (it has 1)\n")
        #expect(bad.stdout.isEmpty)
        let badCells = try Harness.blkview("map", img, "--cells", "0")
        #expect(badCells.status != 0 && badCells.stderr.contains("--cells must be 1 to 65536"))
    }

    @Test("--write: an inspector field typed in edit mode stages its bytes and W writes them")
    func inspectorEdit() throws {
        let dir = try Scratch()
        let img = try dir.file("disk.img", size: 1 << 20, random: true)
        let t = try TmuxSession("\(Harness.blkview) '\(img)' --write --journal '\(dir.path)/j.bvundo'")
        try t.waitFor(text: "writable")
        try t.send(":")
        try t.type("0x300")
        try t.send("Enter", "I")
        try t.waitFor(text: "Inspector @ 0x300")
        try t.send("Tab", "e")
        try t.waitFor(text: "EDIT hex")
        for _ in 0..<7 { try t.send("Down") }
        try t.send("Enter")
        try t.waitFor(text: "u32 LE at 0x300")
        try t.type("3735928559")
        try t.send("Enter")
        try t.waitFor(text: "staged u32 LE = 3735928559 at 0x300: ef be ad de")
        try t.waitFor(text: "u32 LE          3735928559")
        try t.send("Escape", "W")
        try t.waitFor(text: "write with sync")
        try t.send("d", "Enter")
        try t.waitFor(text: "y writes")
        try t.send("y")
        try t.waitFor(text: "written and verified")
        let xxd = try Subprocess.sh("xxd -s 0x300 -l 4 -p '\(img)'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(xxd == "efbeadde")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }
}
