import Foundation
import TestSupport
import Testing

/// `S` in the structure panel: the lost-partition scan in the real viewer.
@Suite("Structure panel: lost-partition scan in tmux", .enabled(if: Capability.have("tmux", "mkfs.ext4"), "needs tmux and mkfs.ext4"),
       .serialized)
struct PartitionScanTmuxTests {
    @Test("S lists the file system of a lost partition; Enter on it jumps there")
    func scanAndJump() throws {
        let dir = try Scratch()
        let img = try dir.sparse("lost.img", bytes: 64 << 20)
        try ScanCommandTests.place(img, start: 2048, sectors: 40960, fs: "ext4")
        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        try t.send("s")
        try t.waitFor(text: "no partition table")
        try t.send("Tab", "S")
        try t.waitFor(text: "scan: ext4 \"lost-ext4\"  20 MiB  confidence 100  (would be a partition)")
        try t.waitFor(text: "1 partition found")
        try t.send("Enter")
        try t.waitFor(text: "0x100000 LBA 2048")
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }

    @Test("Esc cancels a scan under way")
    func cancel() throws {
        let dir = try Scratch()
        // 16 GiB with 4 KiB of data at every MiB: no hole to skip, 16384 offsets to read.
        let img = dir.file("dense.img")
        let r = try Subprocess.sh("""
            python3 -c "
            import os
            f = os.open('\(img)', os.O_RDWR | os.O_CREAT, 0o600)
            os.ftruncate(f, 16 << 30)
            block = os.urandom(4096)
            for i in range(16 << 10): os.pwrite(f, block, (i << 20) + 8192)
            os.close(f)"
            """)
        try #require(r.status == 0, "\(r.stderr)")
        let t = try TmuxSession("\(Harness.blkview) '\(img)'")
        try t.waitFor(text: "read-only")
        try t.send("s")
        try t.waitFor(text: "no partition table")
        try t.send("Tab", "S")
        try t.waitFor(text: "scanning for lost partitions (quick)")
        try t.send("Escape")
        try t.waitFor(text: "partition scan cancelled")
        #expect(!t.screen.contains("scanning for lost partitions"))
        try t.send("q")
        try t.waitFor(text: "[exit 0 tty-sane]")
    }
}
