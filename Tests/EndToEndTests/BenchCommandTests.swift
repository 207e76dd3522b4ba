import Foundation
import TestSupport
import Testing

/// `blkview bench` driven as a user would: the real binary, real files.
@Suite("blkview bench")
struct BenchCommandTests {
    /// The page-cache benchmark (what the env-gated InspectorTests harness ran):
    /// both modes over a real file, through the binary's own options.
    @Test("--mode scroll|jumps runs the page cache and reports frames", arguments: [
        ["--mode", "scroll", "--duration", "0.3", "--pages-per-second", "200"],
        ["--mode", "jumps", "--count", "20", "--pages-per-second", "200"],
    ])
    func cacheModes(arguments: [String]) throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 8 << 20, random: true)
        let r = try Subprocess.run(Harness.blkview, ["bench", f, "--slots", "8", "--json"] + arguments)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(obj["mode"] as? String == arguments[1])
        #expect((obj["frames"] as? Int ?? 0) > 0, "\(r.stdout)")
    }

    @Test("--json prints exactly one object with the documented fields", arguments: ["aio", "threads"])
    func jsonContract(engine: String) throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 8 << 20, random: true)
        let r = try Harness.blkview("bench", f, "--mode", "rand", "--block-size", "4k", "--slots", "4",
                                    "--duration", "0.3", "--engine", engine, "--json")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1, "one line, one object")
        #expect(r.stderr.isEmpty, "no progress line when not on a terminal")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["mode", "engine", "block_size", "slots", "ops", "bytes", "seconds", "iops", "mib_per_s", "latency_us"] {
            #expect(obj[key] != nil, "missing \(key)")
        }
        #expect(obj["mode"] as? String == "rand")
        #expect(obj["engine"] as? String == engine)
        #expect(obj["block_size"] as? Int == 4096)
        #expect(obj["slots"] as? Int == 4)
        let ops = try #require(obj["ops"] as? Int)
        #expect(ops > 0)
        #expect(obj["bytes"] as? Int == ops * 4096)
        let lat = try #require(obj["latency_us"] as? [String: Double])
        #expect(lat["p50"] != nil && lat["p99"] != nil && lat["max"] != nil)
        #expect(lat["p50"]! <= lat["p99"]! && lat["p99"]! <= lat["max"]!)
    }

    @Test("sync levels reach aio_rw_flags in the real io_submit (strace)",
          .enabled(if: Capability.has("strace"), "strace is not installed"),
          arguments: [("data", "aio_rw_flags=RWF_DSYNC"), ("full", "aio_rw_flags=RWF_SYNC")])
    func straceShowsRwFlags(level: String, expected: String) throws {
        let strace = try #require(Subprocess.which("strace"))
        let dir = try Scratch()
        let f = try dir.file("w.img", size: 1 << 20)
        let r = try Subprocess.run(strace, ["-f", "-e", "trace=io_submit", Harness.blkview, "bench", f, "--write",
                                         "--sync", level, "--block-size", "4k", "--slots", "1",
                                         "--duration", "0.05", "--engine", "aio", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let submits = r.stderr.split(separator: "\n").filter { $0.contains("io_submit(") && $0.contains("IOCB_CMD_PWRITE") }
        #expect(!submits.isEmpty, "no io_submit seen:\n\(r.stderr.prefix(2000))")
        #expect(submits.allSatisfy { $0.contains(expected) }, "\(submits.first ?? "")")
        // The seed's bug: the flag ORed into aio_flags. Ours carries only RESFD there.
        #expect(submits.allSatisfy { $0.contains("aio_flags=IOCB_FLAG_RESFD,") })
    }

    @Test("writes without a sync level carry no RWF flag", .enabled(if: Capability.has("strace"), "strace is not installed"))
    func straceNoSync() throws {
        let strace = try #require(Subprocess.which("strace"))
        let dir = try Scratch()
        let f = try dir.file("w.img", size: 1 << 20)
        let r = try Subprocess.run(strace, ["-f", "-e", "trace=io_submit", Harness.blkview, "bench", f, "--write",
                                         "--block-size", "4k", "--slots", "1", "--duration", "0.05",
                                         "--engine", "aio", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let submits = r.stderr.split(separator: "\n").filter { $0.contains("IOCB_CMD_PWRITE") }
        #expect(!submits.isEmpty && submits.allSatisfy { !$0.contains("RWF_") })
    }

    @Test("bad input: one clear line, non-zero exit, nothing written",
          arguments: [
            (["bench", "/nonexistent/disk.img"], "cannot open /nonexistent/disk.img: No such file or directory"),
            (["bench", "/dev/null", "--write"], "refusing to write to /dev/null"),
            (["bench", "FILE", "--block-size", "3x"], "The value '3x' is invalid for '--block-size"),
            (["bench", "FILE", "--mode", "zigzag"], "The value 'zigzag' is invalid for '--mode <mode>'. Please provide one of the following:"),
            (["bench", "FILE", "--sync", "data"], "--sync applies to --write only"),
            (["bench", "FILE", "--slots", "0"], "--slots must be 1 to 4096"),
            (["bench", "FILE", "--engine", "uring"], "The value 'uring' is invalid for '--engine <engine>'. Please provide one of 'auto', 'aio' or 'threads'."),
            (["bench", "DIR"], "not a regular file or block device"),
            (["bench", "SMALL"], "smaller than one"),
          ])
    func badInput(arguments: [String], message: String) throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 1 << 20, random: true)
        let small = try dir.file("small.img", size: 100)
        let before = try Data(contentsOf: URL(fileURLWithPath: f))
        let args = arguments.map { $0 == "FILE" ? f : $0 == "DIR" ? dir.path : $0 == "SMALL" ? small : $0 }
        let r = try Subprocess.run(Harness.blkview, args)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: f)) == before)
    }
}
