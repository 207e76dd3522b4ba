import Foundation
@testable import FileSystems
import TestSupport
import Testing

/// A worker that crashes, hangs or talks nonsense ends one request with one
/// line; the caller goes on, and the next request starts a new worker. The
/// "workers" here are shell scripts that speak the pipe format (so that the
/// failures are real processes dying, not mocks).
struct WorkerIsolationTests {
    /// `printf` of one frame: the kind, a little-endian length, the payload (every byte as an octal escape).
    static func frame(_ kind: Character, _ payload: String) -> String {
        let body = Array(payload.utf8)
        let n = UInt32(body.count)
        let bytes = [UInt8(ascii: kind.unicodeScalars.first!)] + [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24)] + body
        return "printf '" + bytes.map { "\\" + String(repeating: "0", count: 3 - String($0, radix: 8).count) + String($0, radix: 8) }.joined() + "'"
    }

    /// A script that first describes a file system, then runs `body` on each request line.
    static func fakeWorker(_ scratch: Scratch, _ body: String) throws -> String {
        let script = "#!/bin/sh\n" + frame("I", "ext4\t1024\t10\t9\t1\t10\t2\t0") + "\nwhile read -r line; do\n" + body + "\ndone\n"
        let path = scratch.file("worker.sh")
        try writeExecutable(path, script)
        return path
    }

    /// Writes a script through a close-on-exec descriptor. A descriptor
    /// without it, open while another test spawns a long-lived child (tmux,
    /// nbdkit), stays open in that child and makes every exec of the script
    /// fail with ETXTBSY for the child's lifetime.
    static func writeExecutable(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw TestFailure("cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw TestFailure("short write to \(path)") }
    }

    static func spec(_ exe: String, idle: Int = 5) -> FileSystemSpec {
        FileSystemSpec(media: "/dev/null", executable: exe, limits: FSLimits(idleTimeout: idle))
    }

    @Test func openReadsTheDescription() async throws {
        let s = try Scratch()
        let fs = try await FileSystemSession.open(Self.spec(try Self.fakeWorker(s, "exit 0")))
        #expect(fs.info.type == "ext4" && fs.info.blockSize == 1024 && fs.info.rootInode == 2)
        await fs.close()
    }

    @Test func aCrashIsOneErrorAndTheNextRequestStartsAFreshWorker() async throws {
        let s = try Scratch()
        // The first worker started dies of SIGSEGV on its first request; later ones answer "done".
        let body = "if [ ! -e \(s.file("crashed")) ]; then touch \(s.file("crashed")); kill -SEGV $$; fi\n" + Self.frame("Z", "0\t\\0")
        let fs = try await FileSystemSession.open(Self.spec(try Self.fakeWorker(s, body)))
        do {
            _ = try await fs.entries()
            Issue.record("the crash went unnoticed")
        } catch let e as FileSystemError {
            guard case let .workerDied(how, _) = e else { Issue.record("\(e)"); return }
            #expect(how.contains("signal 11"), "\(how)")
            #expect("\(e)".contains("libtsk failed on this evidence"))
        }
        let (entries, end) = try await fs.entries()
        #expect(entries.isEmpty && end.count == 0 && !end.truncated)
        await fs.close()
    }

    @Test func aHangIsKilledAfterTheIdleTimeout() async throws {
        let s = try Scratch()
        let fs = try await FileSystemSession.open(Self.spec(try Self.fakeWorker(s, "sleep 1000"), idle: 1))
        let t0 = Self.monotonicSeconds()
        await #expect(throws: FileSystemError.timedOut(seconds: 1, during: "listing a directory")) { _ = try await fs.entries() }
        #expect(Self.monotonicSeconds() - t0 < 10)
        await fs.close()
    }

    @Test func cancellingKillsTheWorker() async throws {
        let s = try Scratch()
        let fs = try await FileSystemSession.open(Self.spec(try Self.fakeWorker(s, "echo $$ > \(s.file("pid")); sleep 1000"), idle: 60))
        let task = Task { try await fs.entries() }
        try await eventually("the worker to take the request") { FileManager.default.fileExists(atPath: s.file("pid")) }
        task.cancel()
        let r = await task.result
        #expect(throws: CancellationError.self) { try r.get() }
        await fs.close()
    }

    @Test func nonsenseIsAProtocolError() async throws {
        let s = try Scratch()
        // A frame of an unknown kind.
        let fs = try await FileSystemSession.open(Self.spec(try Self.fakeWorker(s, Self.frame("Q", ""))))
        do {
            _ = try await fs.entries()
            Issue.record("nonsense accepted")
        } catch let e as FileSystemError {
            guard case .protocolError = e else { Issue.record("\(e)"); return }
        }
        await fs.close()
    }

    @Test func aWorkerThatCannotOpenSaysWhy() async throws {
        let s = try Scratch()
        let path = s.file("w.sh")
        try Self.writeExecutable(path, "#!/bin/sh\n" + Self.frame("X", "no file system here") + "\n")
        await #expect(throws: FileSystemError.library("no file system here")) { _ = try await FileSystemSession.open(Self.spec(path)) }
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
