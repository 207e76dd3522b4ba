import Foundation
import Glibc
import TestSupport
import Testing

/// VM images served by qemu-nbd (socket activation through libnbd): the
/// bytes are the raw content `qemu-img convert -O raw` gives.
@Suite("VM images through qemu-nbd", .enabled(if: NBDServer.available, "needs nbdkit, nbdcopy (libnbd-bin) and qemu-utils"))
struct VMImageTests {
    /// A 4 MiB raw disk with random data in parts and holes in others.
    static func makeRaw(_ s: Scratch) throws -> String {
        let raw = s.file("content.raw")
        try Subprocess.sh("truncate -s 4M '\(raw)' && head -c 512K /dev/urandom | dd of='\(raw)' bs=64K seek=3 conv=notrunc status=none"
            + " && head -c 64K /dev/urandom | dd of='\(raw)' bs=64K seek=50 conv=notrunc status=none")
        return raw
    }

    /// sha256 of the image's guest view (qemu-img convert -O raw).
    static func guestSHA(_ image: String, _ s: Scratch) throws -> String {
        let out = s.file("converted-\(UInt32.random(in: 0...UInt32.max)).raw")
        try Subprocess.checked("qemu-img", ["convert", "-O", "raw", image, out])
        defer { unlink(out) }
        return String(try Subprocess.sh("sha256sum < '\(out)'").stdout.prefix(64))
    }

    static func blkviewSHA(_ image: String, forensic: Bool = false, log: String? = nil) throws -> (Subprocess.Result, String?) {
        var args = ["hash", "--algorithms", "sha256", "--json"]
        if forensic { args += ["--forensic", "--log", log!] }
        let r = try Subprocess.run(Harness.blkview, args + [image])
        let obj = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
        return (r, obj?["sha256"] as? String)
    }

    @Test("qcow2 with a backing file, vmdk, vhdx, vdi and vpc hash to their raw content (format by magic, not extension)")
    func formats() throws {
        let s = try Scratch()
        let raw = try Self.makeRaw(s)
        let ev = s.file("ev")
        try FileManager.default.createDirectory(atPath: ev, withIntermediateDirectories: true)
        // A backing chain: base (the raw content) <- top (64 KiB changed on top).
        try Subprocess.checked("qemu-img", ["convert", "-O", "qcow2", raw, "\(ev)/base.qcow2"])
        try Subprocess.checked("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "\(ev)/top.qcow2"])
        try Subprocess.checked("qemu-io", ["-c", "write -P 0x5a 1M 64k", "\(ev)/top.qcow2"])
        var images = ["\(ev)/top.qcow2", "\(ev)/base.qcow2"]
        for (fmt, name) in [("vmdk", "disk.vmdk"), ("vhdx", "disk.vhdx"), ("vdi", "disk.vdi"), ("vpc", "disk.vhd")] {
            try Subprocess.checked("qemu-img", ["convert", "-O", fmt, raw, "\(ev)/\(name)"])
            images.append("\(ev)/\(name)")
        }
        // The magic decides: a qcow2 named .img is still a qcow2.
        try Subprocess.checked("cp", ["\(ev)/base.qcow2", "\(ev)/misnamed.img"])
        images.append("\(ev)/misnamed.img")
        let before = try Subprocess.sh("ls -A '\(ev)'").stdout
        for image in images {
            let (r, sha) = try Self.blkviewSHA(image)
            #expect(r.status == 0, "\(image): \(r.stderr)")
            #expect(sha == (try Self.guestSHA(image, s)), "\(image)")
        }
        let top = try Subprocess.run(Harness.blkview, ["info", "\(ev)/top.qcow2"])
        #expect(top.stdout.contains("qcow2 image, qcow2 via qemu-nbd"), "\(top.stdout)")
        // No socket, pid file or lock file beside the evidence.
        #expect(try Subprocess.sh("ls -A '\(ev)'").stdout == before)
    }

    @Test("--forensic on a qcow2 backing chain under strace -f: qemu-nbd opens read-only, takes no lock, no io_uring, no atime change")
    func forensicAudit() throws {
        try #require(Capability.has("strace"))
        let s = try Scratch()
        let raw = try Self.makeRaw(s)
        let ev = s.file("evidence")
        try FileManager.default.createDirectory(atPath: ev, withIntermediateDirectories: true)
        try Subprocess.checked("qemu-img", ["convert", "-O", "qcow2", raw, "\(ev)/base.qcow2"])
        try Subprocess.checked("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "\(ev)/mid.qcow2"])
        try Subprocess.checked("qemu-io", ["-c", "write -P 0x11 0 64k", "\(ev)/mid.qcow2"])
        try Subprocess.checked("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "\(ev)/top.qcow2"])
        try Subprocess.checked("qemu-io", ["-c", "write -P 0x22 2M 64k", "\(ev)/top.qcow2"])
        let want = try Self.guestSHA("\(ev)/top.qcow2", s)
        let before = try ForensicStraceTests.snapshot(ev)
        let traces = s.file("trace")
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        let (r, lines) = try ForensicStraceTests.traced(
            [Harness.blkview, "hash", "--forensic", "--json", "--algorithms", "sha256", "--log", s.file("session.log"), "\(ev)/top.qcow2"],
            traceDir: traces)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"sha256\":\"\(want)\""), "\(r.stdout)")
        // The child really ran under the trace, and opened every layer.
        for layer in ["top", "mid", "base"] {
            #expect(lines.contains { $0.hasPrefix("openat(") && $0.contains("\(layer).qcow2") && $0.contains("O_RDONLY") }, "\(layer)")
        }
        let v = ForensicStraceTests.violations(lines, evidenceDir: ev)
        #expect(v.isEmpty, "\(v.prefix(20).joined(separator: "\n"))")
        #expect(!lines.contains { $0.hasPrefix("fcntl(") && $0.contains("qcow2") && $0.contains("SETLK") })
        #expect(try ForensicStraceTests.snapshot(ev) == before)
        // qemu-nbd cannot use O_NOATIME: as root it reads through a private
        // read-only noatime bind mount, so no access time moves either.
        // Old access times (the first read on a relatime mount would move
        // them; the snapshots' sha256sum has read them, hence this second run).
        if Capability.isRoot {
            try Subprocess.sh("touch -a -d '2020-01-01 00:00:00' '\(ev)'/*.qcow2")
            let atimes = try Subprocess.sh("stat -c '%n %x' '\(ev)'/*.qcow2").stdout
            let again = try Subprocess.run(Harness.blkview, ["hash", "--forensic", "--algorithms", "sha256", "--log", s.file("session.log"), "\(ev)/top.qcow2"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try Subprocess.sh("stat -c '%n %x' '\(ev)'/*.qcow2").stdout == atimes)
            let log = try String(contentsOfFile: s.file("session.log"), encoding: .utf8)
            #expect(log.contains("evidence unchanged: \(ev)/base.qcow2") && !log.contains("moved"), "\(log)")
        }
    }

    @Test("a file that only looks like an image by name opens as raw; a qcow2 qemu refuses is one clear line")
    func notImages() throws {
        let s = try Scratch()
        _ = try s.writeRandom("plain.qcow2", count: 1 << 20, seed: 2)
        let (r, sha) = try Self.blkviewSHA(s.file("plain.qcow2"))
        let plain = String(try Subprocess.sh("sha256sum < '\(s.file("plain.qcow2"))'").stdout.prefix(64))
        #expect(r.status == 0 && sha == plain)
        let raw = try Self.makeRaw(s)
        try Subprocess.checked("qemu-img", ["convert", "-O", "qcow2", raw, s.file("cut.qcow2")])
        // Version 99: the magic says qcow2, qemu-nbd refuses the header.
        try Subprocess.sh("printf '\\000\\000\\000\\143' | dd of='\(s.file("cut.qcow2"))' bs=1 seek=4 conv=notrunc status=none")
        let bad = try Subprocess.run(Harness.blkview, ["info", s.file("cut.qcow2")])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("cut.qcow2") && bad.stderr.contains("qemu-nbd"), "\(bad.stderr)")
    }
}
