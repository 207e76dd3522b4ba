import Foundation
import Glibc
import TestSupport
import Testing

/// NBD exports through libnbd, against real nbdkit servers on unix sockets.
@Suite("NBD sources (nbdkit on unix sockets)", .enabled(if: NBDServer.available, "needs nbdkit, nbdcopy (libnbd-bin) and qemu-utils"))
struct NBDSourceTests {
    static func sha256(_ path: String) throws -> String {
        String(try Subprocess.sh("sha256sum < '\(path)'").stdout.prefix(64))
    }

    static func hashJSON(_ args: String...) throws -> (Subprocess.Result, [String: Any]) {
        let r = try Subprocess.run(Harness.blkview, ["hash", "--algorithms", "sha256", "--json"] + args)
        let obj = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        return (r, obj)
    }

    @Test("an export of 2^63 − 1 B (null plugin) is refused in one line; one at the largest size opens and its last byte reads")
    func hugeExports() throws {
        let s = try Scratch()
        let over = try NBDServer(dir: s.path, name: "over", plugin: ["null", "size=\(Int64.max)"])
        let r = try Harness.blkview("info", over.uri)
        #expect(r.status != 0)
        #expect(r.stderr.contains("its size, \(Int64.max) B, is past the largest media blkview can address"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        let edge = try NBDServer(dir: s.path, name: "edge", plugin: ["null", "size=9223370937343148031"])
        let d = try Harness.blkview("dump", "--offset", "9223370937343148030", "--length", "1", edge.uri)
        #expect(d.status == 0, "\(d.stderr)")
        #expect(d.stdout.contains("7ffffefffffffffe  00"), "\(d.stdout)")
    }

    @Test("memory plugin: bytes written with nbdcopy hash to the raw content; info names the export and nbd ×N")
    func memoryPlugin() throws {
        let s = try Scratch()
        _ = try s.writeRandom("raw", count: 6 << 20, seed: 15)
        let server = try NBDServer(dir: s.path, plugin: ["memory", "6M"])
        try Subprocess.checked("nbdcopy", [s.file("raw"), server.uri])
        let (r, j) = try Self.hashJSON(server.uri)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(j["sha256"] as? String == (try Self.sha256(s.file("raw"))))
        #expect(j["size"] as? Int == 6 << 20)
        let info = try Harness.blkview("info", "--slots", "8", server.uri)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("NBD export, nbd ×8"), "\(info.stdout)")
        let dump = try Harness.blkview("dump", "--offset", "0x100000", "--length", "64", server.uri)
        let want = try Subprocess.sh("hexdump -C -s 0x100000 -n 64 '\(s.file("raw"))'").stdout
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout == want, "\(dump.stdout)")
    }

    @Test("file plugin on a sparse file: hash equals sha256sum; search reads only the data base:allocation reports")
    func filePluginSparse() throws {
        let s = try Scratch()
        let path = s.file("sparse.raw")
        try Subprocess.sh("truncate -s 64M '\(path)' && printf 'NEEDLE-IN-NBD' | dd of='\(path)' bs=1 seek=50331648 conv=notrunc status=none"
            + " && head -c 1M /dev/urandom | dd of='\(path)' bs=1M seek=3 conv=notrunc status=none")
        let server = try NBDServer(dir: s.path, filters: ["log"], plugin: ["file", path, "logfile=\(s.file("log"))"])
        let (r, j) = try Self.hashJSON(server.uri)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(j["sha256"] as? String == (try Self.sha256(path)))
        let found = try Harness.blkview("search", "--text", "NEEDLE-IN-NBD", "--json", server.uri)
        #expect(found.status == 0 && found.stdout.contains("50331648"), "\(found.stdout) \(found.stderr)")
        // The hole map comes from base:allocation: search asked for extents
        // and read only the data (1 MiB and the needle's block, not 64 MiB).
        let obj = (try? JSONSerialization.jsonObject(with: Data(found.stdout.utf8))) as? [String: Any]
        let scanned = obj?["bytes_scanned"] as? Int ?? Int.max
        #expect(scanned < 2 << 20, "\(found.stdout)")
        let log = try String(contentsOfFile: s.file("log"), encoding: .utf8)
        #expect(log.contains("Extents id="), "no block-status request reached the server")
    }

    @Test("delay filter (rdelay=20ms): the hash is right and many reads are in flight at once")
    func delayFilter() throws {
        let s = try Scratch()
        _ = try s.writeRandom("raw", count: 16 << 20, seed: 3)
        let server = try NBDServer(dir: s.path, filters: ["delay"], plugin: ["file", s.file("raw"), "rdelay=20ms"])
        let start = Date()
        let (r, j) = try Self.hashJSON(server.uri)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(j["sha256"] as? String == (try Self.sha256(s.file("raw"))))
        // 16 MiB in 1 MiB reads at 20 ms each would take 0.32 s one at a time;
        // with reads in parallel it takes a fraction of that (bound loose: a loaded CI).
        #expect(seconds < 5, "\(seconds) s")
    }

    @Test("ddrescue filter marks chosen ranges bad: hash exits non-zero and lists them; search and dump name them")
    func chosenBadRanges() throws {
        let s = try Scratch()
        _ = try s.writeRandom("raw", count: 8 << 20, seed: 5)
        // 0x300000+0x1000 and 0x600000+0x2000 are bad; the rest is good.
        let map = """
            # Rescue Logfile
            # current_pos  current_status  current_pass
            0x00000000     +               1
            #      pos        size  status
            0x00000000  0x00300000  +
            0x00300000  0x00001000  -
            0x00301000  0x002FF000  +
            0x00600000  0x00002000  -
            0x00602000  0x001FE000  +

            """
        try map.write(toFile: s.file("map"), atomically: true, encoding: .utf8)
        let server = try NBDServer(dir: s.path, filters: ["ddrescue"], plugin: ["file", s.file("raw"), "ddrescue-mapfile=\(s.file("map"))"])
        let (r, j) = try Self.hashJSON(server.uri)
        #expect(r.status != 0)
        #expect(j["sha256"] == nil || j["sha256"] is NSNull, "a digest was presented as complete")
        let errs = (j["read_errors"] as? [[String: Any]]) ?? []
        let ranges = errs.compactMap { e -> Range<Int>? in
            guard let o = e["offset"] as? Int, let l = e["length"] as? Int else { return nil }
            return o..<(o + l)
        }
        #expect(ranges.count == 2, "\(errs)")
        #expect(ranges.contains { $0.contains(0x300000) } && ranges.contains { $0.contains(0x600000) }, "\(ranges)")
        #expect(!ranges.contains { $0.contains(0x100000) })
        let search = try Harness.blkview("search", "--hex", "deadbeefcafe", server.uri)
        #expect(search.stderr.contains("unreadable, not searched"), "\(search.stderr)")
        let dump = try Harness.blkview("dump", "--offset", "0x300000", "--length", "4096", server.uri)
        #expect(dump.status != 0 && dump.stderr.contains("0x300000"), "\(dump.stderr)")
    }

    @Test("error filter (error-rate 100% while a file exists): hash fails with the server's EIO, then succeeds")
    func errorFilter() throws {
        let s = try Scratch()
        _ = try s.writeRandom("raw", count: 2 << 20, seed: 9)
        let trigger = s.file("fail-now")
        _ = FileManager.default.createFile(atPath: trigger, contents: Data())
        let server = try NBDServer(dir: s.path, filters: ["error"],
                                   plugin: ["file", s.file("raw"), "error-pread=EIO", "error-pread-rate=100%", "error-pread-file=\(trigger)"])
        let bad = try Harness.blkview("hash", "--algorithms", "sha256", server.uri)
        #expect(bad.status != 0)
        #expect(bad.stdout.contains("unreadable:") && bad.stdout.contains("Input/output error"), "\(bad.stdout) \(bad.stderr)")
        unlink(trigger)
        let (good, j) = try Self.hashJSON(server.uri)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(j["sha256"] as? String == (try Self.sha256(s.file("raw"))))
    }

    @Test("a server killed mid-hash: a clear message and a non-zero exit, no hang")
    func serverKilled() throws {
        let s = try Scratch()
        let log = s.file("log")
        let server = try NBDServer(dir: s.path, filters: ["log", "delay"], plugin: ["pattern", "1G", "rdelay=200ms", "logfile=\(log)"])
        // pattern, not memory: an empty memory export is all zero extents,
        // which hash does not read (it hashes them as zeros).
        let out = s.file("out")
        let started = Date()
        let r = try Subprocess.sh("( '\(Harness.blkview)' hash --algorithms sha256 '\(server.uri)' > '\(out)' 2>&1; echo \"status=$?\" >> '\(out)' ) & "
            + "for i in $(seq 600); do grep -q 'Read id=' '\(log)' 2>/dev/null && break; sleep 0.05; done; sleep 0.3; kill -9 \(server.pid); wait")
        #expect(r.status == 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(text.contains("status=") && !text.contains("status=0"), "\(text)")
        #expect(text.contains("connection") || text.contains("unreadable"), "\(text)")
    }

    @Test("URIs that cannot be served: one line naming the URI and the reason")
    func badURIs() throws {
        let s = try Scratch()
        let r = try Harness.blkview("info", "nbd+unix:///?socket=\(s.path)/nobody.sock")
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.contains("nobody.sock") && r.stderr.contains("server running"), "\(r.stderr)")
    }

    @Test("patch --sync data on a writable export: the write carries FUA, reads back, and undo restores; a read-only export refuses in one line")
    func writes() throws {
        let s = try Scratch()
        let server = try NBDServer(dir: s.path, filters: ["log"], plugin: ["memory", "4M", "logfile=\(s.file("log"))"])
        let p = try Subprocess.run(Harness.blkview, ["patch", server.uri, "--at", "0x1000", "--hex", "deadbeef", "--sync", "data",
                                                     "--journal", s.file("j.bvundo")])
        #expect(p.status == 0, "\(p.stdout) \(p.stderr)")
        // What made the write durable is named: FUA on the export, not O_DSYNC.
        #expect(p.stdout.contains("sync data (NBD FUA)"), "\(p.stdout)")
        let log = try String(contentsOfFile: s.file("log"), encoding: .utf8)
        #expect(log.contains("Write id=") && log.contains("offset=0x1000") && log.contains("fua=1"), "\(log)")
        try Subprocess.checked("nbdcopy", [server.uri, s.file("after.raw")])
        #expect(try Subprocess.sh("xxd -s 0x1000 -l 4 -p '\(s.file("after.raw"))'").trimmed == "deadbeef")
        let u = try Subprocess.run(Harness.blkview, ["undo", s.file("j.bvundo"), "--target", server.uri])
        #expect(u.status == 0, "\(u.stdout) \(u.stderr)")
        try Subprocess.checked("nbdcopy", [server.uri, s.file("undone.raw")])
        #expect(try Subprocess.sh("xxd -s 0x1000 -l 4 -p '\(s.file("undone.raw"))'").trimmed == "00000000")

        let ro = try NBDServer(dir: s.path, name: "ro", plugin: ["memory", "4M"], readOnly: true)
        let refused = try Subprocess.run(Harness.blkview, ["patch", ro.uri, "--at", "0", "--hex", "00", "--journal", s.file("ro.bvundo")])
        #expect(refused.status != 0)
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("exports it read-only"), "\(refused.stderr)")
        let view = try Subprocess.run(Harness.blkview, ["view", "--write", ro.uri])
        #expect(view.status != 0 && view.stderr.contains("exports it read-only"), "\(view.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("ro.bvundo")))
        let forensic = try Subprocess.run(Harness.blkview, ["view", "--write", "--forensic", "--log", s.file("f.log"), server.uri])
        #expect(forensic.status != 0 && forensic.stderr.contains("refused under --forensic"), "\(forensic.stderr)")
    }

    @Test("TLS: nbds+unix with a PSK file against nbdkit --tls=require; plain nbd+unix is refused by that server")
    func tls() throws {
        let s = try Scratch()
        _ = try s.writeRandom("raw", count: 1 << 20, seed: 4)
        try Subprocess.sh("printf 'alice:%s\\n' $(head -c 32 /dev/urandom | xxd -p -c 64) > '\(s.file("psk"))' && chmod 600 '\(s.file("psk"))'")
        let server = try NBDServer(dir: s.path, plugin: ["file", s.file("raw")], extra: ["--tls=require", "--tls-psk=\(s.file("psk"))"])
        let uri = "nbds+unix://alice@/?socket=\(server.socket)&tls-psk-file=\(s.file("psk"))"
        let (r, j) = try Self.hashJSON(uri)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(j["sha256"] as? String == (try Self.sha256(s.file("raw"))))
        let info = try Subprocess.run(Harness.blkview, ["info", uri])
        #expect(info.stdout.contains("nbds ×32"), "\(info.stdout)")
        let plain = try Subprocess.run(Harness.blkview, ["info", server.uri])
        #expect(plain.status != 0 && plain.stderr.contains("TLS"), "\(plain.stderr)")
    }
}
