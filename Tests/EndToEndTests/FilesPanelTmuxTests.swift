import Foundation
import TestSupport
import Testing

/// The Files panel and the owner line in the real viewer (tmux), on an
/// sfdisk-partitioned image holding an ext4 made by `mkfs.ext4 -d` with a
/// known tree and a file deleted by debugfs; raw and E01. Offsets are checked
/// against The Sleuth Kit's own `fls`, `istat` and `blkls`.
@Suite("Files panel in tmux", .enabled(if: Capability.have("tmux", "mkfs.ext4", "debugfs", "sfdisk", "ewfacquire", "fls", "istat", "blkls"),
                                       "needs tmux, e2fsprogs, sfdisk, ewf-tools and sleuthkit"), .serialized)
struct FilesPanelTmuxTests {
    /// `disk.img` (p1 at sector 2048: ext4, 1 KiB blocks) and `disk.E01`.
    static func image(_ dir: String) throws -> String {
        let script = """
        set -e
        mkdir -p '\(dir)'
        cd '\(dir)'
        mkdir -p tree/docs/old tree/many
        python3 - <<'PY'
        import random
        r = random.Random(5)
        open('tree/docs/ledger.txt', 'w').write('PELICAN ledger\\n' * 400)
        open('tree/docs/notes.md', 'w').write('notes\\n' * 10)
        open('tree/docs/old/a.bin', 'wb').write(r.randbytes(3000))
        open('tree/readme.txt', 'w').write('readme\\n')
        open('tree/gone.txt', 'w').write('GONE-' * 700)
        for i in range(300): open('tree/many/m%03d.txt' % i, 'w').write('x' * (i * 7))
        PY
        mkfs.ext4 -q -F -b 1024 -d tree -L FILES fs.img 8M
        debugfs -w -R 'rm /gone.txt' fs.img >/dev/null 2>&1
        truncate -s 10M disk.img
        echo 'start=2048, type=83' | sfdisk -q disk.img
        dd if=fs.img of=disk.img bs=512 seek=2048 conv=notrunc status=none
        ewfacquire -u -q -t disk -c fast disk.img >/dev/null 2>&1
        rm -rf tree fs.img
        sync  # delayed allocation must not change `ls`'s totals of the evidence later
        """
        let r = try Subprocess.sh(script)
        guard r.status == 0 else { throw TestFailure("fixture: \(r.stderr)") }
        return dir + "/disk.img"
    }

    /// `istat`'s first direct block of the file at `path` in p1, as a media byte offset.
    static func firstByte(_ img: String, _ path: String) throws -> (inode: String, offset: Int64) {
        let fls = try Subprocess.checked("fls", ["-o", "2048", "-r", "-p", img]).stdout
        let line = try #require(fls.split(separator: "\n").first { $0.hasSuffix("\t" + path) })
        let inode = String(line.split(separator: " ").last!.split(separator: ":").first!)
        let istat = try Subprocess.checked("istat", ["-o", "2048", img, inode]).stdout
        let lines = istat.split(separator: "\n").map(String.init)
        let i = try #require(lines.firstIndex { $0.hasPrefix("Direct Blocks:") })
        let block = try #require(Int64(lines[i + 1].split(separator: " ").first ?? ""))
        return (inode, 2048 * 512 + block * 1024)
    }

    /// Blocks `blkls` lists as free, as media byte offsets: one no inode
    /// claims (`ifind -d`: "Inode not found") and one a deleted inode still does (with that inode).
    static func freeBytes(_ img: String) throws -> (free: Int64, deleted: (offset: Int64, inode: String)?) {
        let out = try Subprocess.checked("blkls", ["-o", "2048", "-l", img]).stdout
        let blocks = out.split(separator: "\n").compactMap { l -> Int64? in
            let f = l.split(separator: "|")
            return f.count == 2 && f[1] == "f" ? Int64(f[0]) : nil
        }
        var free: Int64?
        var deleted: (Int64, String)?
        for b in blocks.prefix(200) where free == nil || deleted == nil {
            let r = try Subprocess.checked("ifind", ["-o", "2048", "-d", String(b), img]).trimmed
            if r.contains("not found") { free = free ?? b } else if deleted == nil, UInt64(r) != nil { deleted = (b, r) }
        }
        let f = try #require(free, "no free block that no inode claims")
        return (2048 * 512 + f * 1024, deleted.map { (2048 * 512 + $0.0 * 1024, $0.1) })
    }

    static func goto(_ t: TmuxSession, _ offset: Int64) throws {
        try t.send(":")
        try t.waitFor(text: "goto:")
        try t.type("0x" + String(offset, radix: 16))
        try t.send("Enter")
        try t.waitFor(text: "0x\(String(offset, radix: 16)) LBA")
    }

    @Test("open, expand, filter, Enter jumps to istat's first block, owner line, unallocated, deleted", arguments: ["raw", "e01"])
    func panel(form: String) throws {
        let dir = try Scratch()
        let img = try Self.image(dir.path)
        let media = form == "e01" ? dir.file("disk.E01") : img
        let (inode, first) = try Self.firstByte(img, "docs/ledger.txt")
        let (free, deleted) = try Self.freeBytes(img)
        let t = try TmuxSession("\(Harness.blkview) '\(media)'", width: 160, height: 50)
        try t.waitFor(text: "00000000")
        try t.send(":")
        try t.waitFor(text: "goto:")
        try t.type("p1")
        try t.send("Enter")
        try t.waitFor(text: "0x100000 LBA 2048")

        // F11 opens the partition under the cursor, its root listed.
        try t.send("F11")
        var screen = try t.waitFor(text: "Files p1 ext4")
        screen = try t.waitFor(text: "readme.txt")
        // The deleted file is shown as deleted.
        let gone = try #require(screen.split(separator: "\n").first { $0.contains("gone.txt") })
        #expect(gone.contains("deleted"), "\(screen)")
        #expect(screen.contains("▸ docs") && screen.contains("▸ many"), "\(screen)")

        // Enter on docs (the first row) opens it.
        try t.send("Enter")
        screen = try t.waitFor(text: "ledger.txt")
        #expect(screen.contains("▾ docs") && screen.contains("notes.md") && screen.contains("▸ old"), "\(screen)")

        // A filter narrows to the name (and the directory that leads to it).
        try t.send("/")
        try t.type("ledg")
        screen = try t.waitFor(text: "filter \"ledg")
        try t.send("Enter")
        screen = try t.waitFor("only docs and ledger.txt") { !$0.contains("notes.md") && !$0.contains("readme.txt") && $0.contains("ledger.txt") }
        try t.send("Down")
        screen = try t.waitFor(text: "/docs/ledger.txt")  // the detail pane: its runs
        screen = try t.waitFor(text: "blocks ")
        try t.send("Enter")
        let hex = "0x" + String(first, radix: 16)
        screen = try t.waitFor(text: "first data byte at \(hex)")
        #expect(screen.contains("\(hex) LBA \(first / 512)"), "\(screen)")

        // The owner line: the file's path, its inode, the offset in it (istat's inode).
        try t.send("Tab")  // focus back to the hex view
        try t.send("Right")
        screen = try t.waitFor("owner of the byte", seconds: 30) { $0.contains("p1 ext4 › /docs/ledger.txt (inode \(inode)) +0x1") }
        try Self.goto(t, free)
        screen = try t.waitFor("unallocated", seconds: 20) { $0.contains("p1 ext4 › unallocated") }
        // A free block a deleted file's inode still claims: ifind's inode, and "deleted".
        let d = try #require(deleted, "debugfs rm left no block claimed by the deleted inode")
        try Self.goto(t, d.offset)
        screen = try t.waitFor("deleted owner", seconds: 20) { s in
            s.split(separator: "\n").contains { $0.contains("p1 ext4 › /gone.txt (inode \(d.inode)) +0x") && $0.hasSuffix(" deleted") }
        }

        // A byte of ledger.txt's inode in the inode table (debugfs's imap): the
        // inode named, and decoded on the right as istat would (size, links, runs).
        let p1 = dir.file("p1.img")
        try Subprocess.sh("dd if='\(img)' of='\(p1)' bs=512 skip=2048 status=none")
        let imap = try Subprocess.checked("debugfs", ["-R", "imap <\(inode)>", p1]).stdout
        let words = imap.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" })
        let block = try #require(words.lastIndex(of: "block").flatMap { Int64(words[$0 + 1]) })
        let within = try #require(words.firstIndex(of: "offset").flatMap { Int64(words[$0 + 1].dropFirst(2), radix: 16) })
        try Self.goto(t, 2048 * 512 + block * 1024 + within + 4)
        screen = try t.waitFor("inode table", seconds: 20) { $0.contains("p1 ext4 › inode table (group 0) › inode \(inode) (/docs/ledger.txt) +0x4") }
        screen = try t.waitFor(text: "under the cursor: inode \(inode) (/docs/ledger.txt)")
        #expect(screen.contains("5.9 KiB (6000 B)") && screen.contains("links 1"), "\(screen)")
        #expect(screen.contains("+0: blocks \((first - 2048 * 512) / 1024)+6"), "\(screen)")

        try t.send("q")
        try t.waitFor(text: "[exit 0")
    }
}
