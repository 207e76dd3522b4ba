import Foundation
import Glibc
import Inspector
import Testing
import TestSupport

@Suite("Session log: location, record, stamps")
struct SessionLogTests {
    @Test("a log in the evidence directory, below it, or through a symlink to it is refused")
    func refusedInsideEvidence() throws {
        let s = try Scratch()
        let ev = try s.write("disk.raw", [1, 2, 3])
        try FileManager.default.createDirectory(atPath: s.path + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: s.path + "/../blkview-forensic-elsewhere-\(getpid())",
                                                withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: s.path + "/../blkview-forensic-elsewhere-\(getpid())") }
        let link = "/var/tmp/blkview-forensic-link-\(getpid())"
        try? FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: s.path)
        defer { try? FileManager.default.removeItem(atPath: link) }
        for bad in [s.path + "/session.log", s.path + "/sub/session.log", s.path + "/new/dir/x.log", link + "/x.log"] {
            #expect(throws: SessionLogError.self, "\(bad)") { try SessionLogLocation.check(log: bad, evidence: [ev]) }
        }
        // Evidence named through the symlink: its real directory counts too.
        #expect(throws: SessionLogError.self) { try SessionLogLocation.check(log: s.path + "/x.log", evidence: [link + "/disk.raw"]) }
        try SessionLogLocation.check(log: "/var/tmp/blkview-forensic-elsewhere-\(getpid())/x.log", evidence: [ev])
        try SessionLogLocation.check(log: s.path + "-sibling/x.log", evidence: [ev])
    }

    @Test("default directory: XDG_STATE_HOME, else HOME")
    func defaults() {
        #expect(SessionLogLocation.defaultDirectory(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/blkview/sessions")
        #expect(SessionLogLocation.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.local/state/blkview/sessions")
        #expect(SessionLogLocation.defaultDirectory(environment: [:]) == nil)
    }

    @Test("a record: header, stamps before and after, read errors once, hashes, end; appended, never truncated")
    func record() throws {
        let s = try Scratch()
        let ev = try s.write("disk.raw", Pattern.bytes(4096))
        let logDir = try Scratch()
        let logPath = logDir.path + "/case.log"
        try "earlier line\n".write(toFile: logPath, atomically: false, encoding: .utf8)
        let session = ForensicSession(
            log: try SessionLogFile(path: logPath),
            context: .init(version: "9.9", arguments: ["blkview", "hash", "--forensic", "my disk.raw"],
                           examiner: "J. Doe", caseID: "2026-017"),
            evidence: [ev])
        session.readError(offset: 4096, length: 512, message: "EIO")
        session.readError(offset: 4096, length: 512, message: "EIO")
        session.hashed(HashReport(range: HashRange(offset: 0, length: 4096), digests: [.md5: Pattern.md5],
                                  readErrors: [], seconds: 0.5))
        let warnings = session.finish(status: 0)
        #expect(warnings.isEmpty)
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(text.hasPrefix("earlier line\n== blkview session "))
        for needle in ["version: blkview 9.9", "command: blkview hash --forensic 'my disk.raw'", "examiner: J. Doe",
                       "case: 2026-017", "evidence before: \(ev) size=4096 mtime=", "evidence after: \(ev) size=4096",
                       "evidence unchanged: \(ev)", "hash md5 [0, 4096) 4096 bytes: \(Pattern.md5)",
                       "read error: offset=4096 (0x1000) length=512: EIO", "status 0"] {
            #expect(text.contains(needle), "\(needle)\n\(text)")
        }
        #expect(text.components(separatedBy: "read error:").count == 2)
        #expect(text.range(of: #"start \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"#, options: .regularExpression) != nil)
    }

    @Test("evidence changed during the session is flagged in the log and returned")
    func changed() throws {
        let s = try Scratch()
        let ev = try s.write("disk.raw", [0, 1, 2, 3])
        let logDir = try Scratch()
        let session = ForensicSession(log: try SessionLogFile(path: logDir.path + "/l.log"),
                                      context: .init(version: "1", arguments: ["blkview"], examiner: nil, caseID: nil),
                                      evidence: [ev])
        usleep(20_000)
        let fd = open(ev, O_WRONLY | O_APPEND)
        _ = write(fd, "x", 1)
        close(fd)
        let w = session.finish(status: 0)
        #expect(w.contains { $0.contains("evidence changed") && $0.contains("size") && $0.contains("mtime") })
        let text = try String(contentsOfFile: logDir.path + "/l.log", encoding: .utf8)
        #expect(text.contains("EVIDENCE CHANGED: \(ev): size, mtime, ctime"))
    }

    @Test("the log file must be a regular file; a symlink at its path is not followed")
    func logFileKinds() throws {
        let s = try Scratch()
        #expect(throws: SessionLogError.self) { _ = try SessionLogFile(path: s.path) }
        try FileManager.default.createSymbolicLink(atPath: s.path + "/link.log", withDestinationPath: s.path + "/target")
        #expect(throws: SessionLogError.self) { _ = try SessionLogFile(path: s.path + "/link.log") }
        #expect(!FileManager.default.fileExists(atPath: s.path + "/target"))
        _ = try SessionLogFile(path: s.path + "/a/b/c.log", createDirectory: true)
        #expect(FileManager.default.fileExists(atPath: s.path + "/a/b/c.log"))
    }

    @Test("UTC times and shell quoting")
    func formats() {
        #expect(UTCTime.format(timespec(tv_sec: 0, tv_nsec: 5)) == "1970-01-01T00:00:00.000000005Z")
        #expect(UTCTime.compact(timespec(tv_sec: 86_400 + 3661, tv_nsec: 0)) == "19700102T010101Z")
        #expect(ShellQuoting.join(["a", "b c", "it's", ""]) == "a 'b c' 'it'\\''s' ''")
    }
}
