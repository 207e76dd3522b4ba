import Foundation
import TestSupport
import Testing

/// The batch commands where the media or the machine fails them: real EIO
/// (nbdkit's ddrescue filter behind nbdfuse), an address-space limit, and
/// the edges where they must say something rather than nothing.
@Suite("batch commands under failure", .serialized)
struct BatchFailureTests {
    static let canFUSE = Capability.fuse && Capability.has("nbdfuse")
        && Capability.has("nbdkit") && Capability.has("fusermount3")

    /// A 64 MiB image exposed as a file whose bytes 0x2000000..<0x2010000
    /// fail with EIO (ddrescue map: "-" = not rescued), with "hello" at
    /// 0x1000000 and at 0x2100000 (after the bad range).
    final class BadImage {
        let dir: Scratch
        let disk: String
        init() throws {
            dir = try Scratch()
            disk = "\(dir.path)/disk"
            let src = "\(dir.path)/src.img"
            let map = "\(dir.path)/map"
            let r = try Subprocess.sh("""
                head -c 64M /dev/urandom | tr -d 'h' > '\(src)' 2>/dev/null; truncate -s 64M '\(src)' &&
                printf hello | dd of='\(src)' bs=1 seek=\(0x1000000) conv=notrunc status=none &&
                printf hello | dd of='\(src)' bs=1 seek=\(0x2100000) conv=notrunc status=none &&
                printf '# Mapfile\\n0x0 +\\n0x0 0x2000000 +\\n0x2000000 0x10000 -\\n0x2010000 0x1ff0000 +\\n' > '\(map)' &&
                touch '\(disk)' &&
                (nbdfuse '\(disk)' --command nbdkit -s --filter=ddrescue file '\(src)' ddrescue-mapfile='\(map)' \
                    >'\(dir.path)/fuse.log' 2>&1 &) &&
                for i in $(seq 50); do [ "$(stat -c %s '\(disk)')" = 67108864 ] && exit 0; sleep 0.1; done; exit 1
                """)
            guard r.status == 0 else { throw TestFailure("nbdfuse: \(r.stderr)") }
        }
        deinit { _ = try? Subprocess.sh("fusermount3 -u '\(disk)'") }
    }

    @Test("dump stops with an error naming the range at a read error (no silent truncation)",
          .enabled(if: canFUSE, "needs /dev/fuse, nbdkit and nbdfuse"))
    func dumpAtEIO() throws {
        let img = try BadImage()
        let r = try Harness.blkview("dump", img.disk, "--offset", "0x1f00000", "--length", "0x200000")
        #expect(r.status == 1)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1 && errors[0].contains("at 0x2000000"), "\(r.stderr)")
        // The lines before the bad range are there; the normal final-offset line is not.
        #expect(r.stdout.contains("01ff0000  "))
        #expect(!r.stdout.hasSuffix("02100000\n"), "ends like a complete dump")
    }

    @Test("search goes past an unreadable range, names it at its real size, exits 2 with every match",
          .enabled(if: canFUSE, "needs /dev/fuse, nbdkit and nbdfuse"))
    func searchPastEIO() throws {
        let img = try BadImage()
        let r = try Harness.blkview("search", img.disk, "--text", "hello")
        #expect(r.status == 2)
        #expect(r.stdout == "0x1000000\n0x2100000\n")
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(r.stderr)")
        #expect(errors.first?.contains("0x2000000-0x2010000 (65536 B) unreadable") == true, "\(r.stderr)")

        let j = try Harness.blkview("search", img.disk, "--text", "hello", "--json")
        #expect(j.status == 2)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["matches"] as? [Int] == [0x1000000, 0x2100000])
        let bad = try #require(obj["unreadable"] as? [[String: Any]])
        #expect(bad.count == 1)
        #expect(bad.first?["offset"] as? Int == 0x2000000 && bad.first?["length"] as? Int == 0x10000)
        #expect((bad.first?["error"] as? String)?.contains("Input/output error") == true)
    }

    @Test("hash still refuses a digest and lists the unreadable range",
          .enabled(if: canFUSE, "needs /dev/fuse, nbdkit and nbdfuse"))
    func hashAtEIO() throws {
        let img = try BadImage()
        let r = try Harness.blkview("hash", img.disk)
        #expect(r.status == 1)
        #expect(!r.stdout.contains("sha256:"))
        #expect(r.stdout.contains("unreadable:"))
    }

    @Test("under ulimit -v, hash and dump end within seconds: a digest, or one clear line and a failure status",
          .enabled(if: Capability.has("timeout"), "needs timeout(1)"))
    func addressSpaceLimit() throws {
        let dir = try Scratch()
        let f = try dir.file("data.img", size: 8 << 20, random: true)
        var refused = 0
        for kib in [100_000, 120_000, 150_000, 170_000, 400_000] {
            // Below the floor of the shared libraries (libnbd pulls in libxml2
            // and ICU) the dynamic loader fails before main: not ours to report.
            let floor = try Subprocess.sh("ulimit -v \(kib); exec '\(Harness.blkview)' --version")
            if floor.status == 127 && floor.stderr.contains("error while loading shared libraries") { continue }
            for cmd in ["hash", "dump"] {
                let r = try Subprocess.sh("ulimit -v \(kib); exec timeout 30 '\(Harness.blkview)' \(cmd) '\(f)'")
                #expect(r.status != 124, "\(cmd) under ulimit -v \(kib) hung")
                #expect(r.status < 128, "\(cmd) under ulimit -v \(kib) crashed: \(r.stderr.prefix(300))")
                if r.status == 0 {
                    #expect(r.stderr.isEmpty)
                    #expect(cmd == "dump" ? r.stdout.hasSuffix("00800000\n") : r.stdout.contains("sha256:"))
                } else {
                    refused += 1
                    #expect(r.status == 1)
                    #expect(r.stdout.isEmpty)
                    let lines = r.stderr.split(separator: "\n")
                    #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains("memory"),
                            "\(cmd) under ulimit -v \(kib): \(r.stderr.prefix(300))")
                }
            }
        }
        #expect(refused > 0, "no limit was tight enough to exercise the failure path")
    }

    @Test("search --hex with no match says where the byte-swapped pattern occurs")
    func byteSwappedHint() throws {
        let dir = try Scratch()
        let f = try dir.file("e.img", size: 1 << 20)
        try #require(try Subprocess.sh("printf '\\123\\357' | dd of='\(f)' bs=1 seek=\(0x438) conv=notrunc status=none").status == 0)
        let r = try Harness.blkview("search", f, "--hex", "ef53")
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "not found; the byte-swapped pattern 53 ef occurs at 0x438 (little-endian?)\n")
        let none = try Harness.blkview("search", f, "--hex", "1234")
        #expect(none.status == 1)
        #expect(none.stderr == "not found; the byte-swapped pattern 34 12 does not occur either\n")
        let odd = try Harness.blkview("search", f, "--hex", "123456")
        #expect(odd.status == 1 && odd.stderr.isEmpty, "no hint for a 3-byte pattern")
    }
}
