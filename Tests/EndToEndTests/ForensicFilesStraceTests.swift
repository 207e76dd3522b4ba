import Foundation
import TestSupport
import Testing

/// The write-blocker audit (ForensicStraceTests' checker, `strace -ff`: the
/// libtsk worker processes are traced too) over the file-system commands
/// `ls`, `cat`, `owner`, `export` and the viewer's Files panel, on raw and
/// E01 evidence of a partitioned ext4.
@Suite("--forensic under strace: ls, cat, owner, export, Files panel",
       .enabled(if: Capability.have("strace", "tmux", "mkfs.ext4", "debugfs", "sfdisk", "ewfacquire", "fls"),
                "needs strace, tmux, e2fsprogs, sfdisk, ewf-tools and sleuthkit"), .serialized)
struct ForensicFilesStraceTests {
    static func evidence(_ scratch: Scratch) throws -> (dir: String, paths: [String]) {
        let ev = scratch.file("evidence")
        let img = try FilesPanelTmuxTests.image(ev)
        return (ev, [img, ev + "/disk.E01"])
    }

    /// ForensicStraceTests.traced, with execve traced too (to see the worker start).
    static func traced(_ command: [String], traceDir: String) throws -> (Subprocess.Result, [String]) {
        let argv = ["-ff", "-y", "-qq", "-s", "16", "-o", "\(traceDir)/t", "-e", "trace=\(ForensicStraceTests.syscalls),execve"]
        let r = try Subprocess.run(Subprocess.which("strace")!, argv + command)
        return (r, try ForensicStraceTests.traceLines(traceDir))
    }

    /// A `blkview __fs-worker` was started (and so traced by -ff).
    static func workerRan(_ lines: [String]) -> Bool {
        lines.contains { $0.hasPrefix("execve(") && $0.contains("\"__fs-worker\"") }
    }

    @Test("ls -r, cat, owner, export --forensic: nothing written, nothing changed (worker processes included)")
    func batch() throws {
        let scratch = try Scratch()
        let (ev, paths) = try Self.evidence(scratch)
        let before = try ForensicStraceTests.snapshot(ev)
        let (inode, first) = try FilesPanelTmuxTests.firstByte(paths[0], "docs/ledger.txt")
        let log = scratch.file("session.log")
        for (i, p) in paths.enumerated() {
            let commands: [[String]] = [
                ["ls", p, "-r", "--partition", "1", "--json"],
                ["cat", p, "--inode", inode, "--partition", "1", "-o", scratch.file("cat-\(i).out")],
                ["owner", p, "0x" + String(first + 5, radix: 16), "--json"],
                ["export", p, "--partition", "1", "-o", scratch.file("p1-\(i).img")],
                ["export", p, "--offset", "p1+s2", "--length", "4096", "-o", scratch.file("range-\(i).bin")],
            ]
            for (k, cmd) in commands.enumerated() {
                let traces = scratch.file("trace-\(i)-\(k)")
                try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
                let (r, lines) = try Self.traced([Harness.blkview] + cmd + ["--forensic", "--log", log], traceDir: traces)
                ForensicStraceTests.audit(r, lines, evidenceDir: ev, noatime: true, "\(cmd[0]) \(p)")
                // The libtsk worker ran (a child process, traced by -ff) and was audited with its parent.
                if cmd[0] != "export" { #expect(Self.workerRan(lines), "\(cmd[0]) \(p): no file-system worker in the trace") }
            }
            let cat = try Subprocess.checked("icat", ["-o", "2048", paths[0], inode]).stdout
            #expect(try String(contentsOfFile: scratch.file("cat-\(i).out"), encoding: .utf8) == cat)
        }
        let after = try ForensicStraceTests.snapshot(ev)
        #expect(after == before, "before:\n\(before)\nafter:\n\(after)")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!text.contains("EVIDENCE CHANGED"))
    }

    @Test("the Files panel under --forensic: open, expand, filter, jump, owner line; then the audit", arguments: [0, 1])
    func panel(which: Int) throws {
        let scratch = try Scratch()
        let (ev, paths) = try Self.evidence(scratch)
        let evidence = paths[which]
        let before = try ForensicStraceTests.snapshot(ev)
        let traces = scratch.file("trace-view")
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        let cmd = "strace -ff -y -qq -s 16 -o '\(traces)/t' -e trace=\(ForensicStraceTests.syscalls),execve '\(Harness.blkview)' view --forensic "
            + "--log '\(scratch.path)/view.log' '\(evidence)'"
        let t = try TmuxSession(cmd, width: 160, height: 50)
        let pane = try t.run(["display-message", "-p", "-t", t.name, "#{pane_pid}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { if let pgid = Int32(pane), pgid > 1 { kill(-pgid, SIGKILL) } }
        try t.waitFor(text: "forensic", seconds: 20)
        try t.send(":")
        try t.type("p1")
        try t.send("Enter")
        try t.waitFor(text: "0x100000 LBA 2048", seconds: 20)
        try t.send("f")
        try t.waitFor(text: "readme.txt", seconds: 30)
        try t.send("Enter")
        try t.waitFor(text: "ledger.txt", seconds: 30)
        try t.send("/")
        try t.type("ledger")
        try t.send("Enter", "Down", "Enter")
        try t.waitFor(text: "first data byte at", seconds: 30)
        try t.send("Tab", "Right")
        try t.waitFor(text: "/docs/ledger.txt (inode", seconds: 60)
        try t.send("q")
        let screen = try t.waitFor("exit", seconds: 60) { $0.contains("[exit ") }
        #expect(screen.contains("[exit 0 tty-sane]"), "\(screen)")
        let lines = try ForensicStraceTests.traceLines(traces)
        ForensicStraceTests.audit(Subprocess.Result(status: 0, stdout: "", stderr: ""), lines, evidenceDir: ev, "Files panel \(evidence)")
        // The workers (blkview __fs-worker) opened the evidence themselves, read-only.
        #expect(Self.workerRan(lines), "no file-system worker in the trace")
        #expect(try ForensicStraceTests.snapshot(ev) == before)
    }
}
