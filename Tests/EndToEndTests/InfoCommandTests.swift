import Foundation
import TestSupport
import Testing

/// `blkview info --json` against the independent tools (sfdisk, blkid) on
/// images made by real tools.
@Suite("blkview info", .enabled(if: Capability.has("sfdisk") && Capability.has("blkid") && Capability.has("mkfs.ext4"),
                                "needs sfdisk, blkid and mkfs.ext4"))
struct InfoCommandTests {
    /// Puts a file system made by `mkfs` (a shell command taking the file as $1) at sector `start`.
    static func place(_ img: String, start: Int, sectors: Int, sectorSize: Int = 512, mkfs: String) throws {
        let part = img + ".part"
        let r = try Subprocess.sh("""
            set -e; truncate -s \(sectors * sectorSize) '\(part)'; set -- '\(part)'; \(mkfs) >/dev/null 2>&1
            dd if='\(part)' of='\(img)' bs=\(sectorSize) seek=\(start) conv=notrunc status=none; rm -f '\(part)'
            """)
        try #require(r.status == 0, "mkfs failed: \(r.stderr)")
    }

    static func info(_ img: String) throws -> [String: Any] {
        let r = try Harness.blkview("info", img, "--json")
        try #require(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// sfdisk --json's partitions: (start, size, type).
    static func sfdisk(_ img: String) throws -> [(Int, Int, String)] {
        let r = try Subprocess.run(Subprocess.which("sfdisk")!, ["--json", img])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let table = obj?["partitiontable"] as? [String: Any]
        let parts = table?["partitions"] as? [[String: Any]] ?? []
        return parts.map { ($0["start"] as? Int ?? -1, $0["size"] as? Int ?? -1, $0["type"] as? String ?? "") }
    }

    /// blkid -p's TYPE, LABEL and UUID of the file system at a byte offset.
    static func blkid(_ img: String, offset: Int) throws -> [String: String] {
        let r = try Subprocess.run(Subprocess.which("blkid")!, ["-p", "-o", "export", "-O", "\(offset)", img])
        var out: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { out[String(kv[0])] = String(kv[1]) }
        }
        return out
    }

    static func check(_ img: String, sectorSize: Int = 512) throws {
        let j = try info(img)
        let parts = try #require(j["partitions"] as? [[String: Any]])
        let want = try sfdisk(img)
        #expect(parts.count == want.count, "partitions: \(parts.count) vs sfdisk \(want.count)")
        for (p, w) in zip(parts, want) {
            #expect(p["start"] as? Int == w.0)
            #expect(p["size"] as? Int == w.1)
            let type = try #require(p["type"] as? String)
            // sfdisk prints MBR ids without 0x and GPT GUIDs in upper case.
            #expect(type == w.2.uppercased() || type == "0x" + (w.2.count == 1 ? "0" : "") + w.2, "\(type) vs \(w.2)")
            let fs = p["filesystem"] as? [String: Any]
            let b = try blkid(img, offset: w.0 * sectorSize)
            #expect(fs?["type"] as? String == b["TYPE"], "partition at \(w.0): \(String(describing: fs)) vs \(b)")
            #expect(fs?["uuid"] as? String == b["UUID"])
            #expect(fs?["label"] as? String == b["LABEL"])
        }
    }

    @Test("MBR with FAT32 and ext4")
    func mbr() throws {
        let dir = try Scratch()
        let img = try dir.file("mbr.img", size: 80 << 20)
        try Subprocess.sh("printf 'label: dos\\nstart=2048, size=73728, type=c, bootable\\nstart=75776, size=67584, type=83\\n' | sfdisk -q '\(img)'")
        try Self.place(img, start: 2048, sectors: 73728, mkfs: "mkfs.vfat -F 32 -n FATVOL \"$1\"")
        try Self.place(img, start: 75776, sectors: 67584, mkfs: "mkfs.ext4 -q -L rootfs \"$1\"")
        try Self.check(img)
        let j = try Self.info(img)
        #expect(j["scheme"] as? String == "mbr")
        #expect(j["sector_size"] as? Int == 512)
        #expect((j["defects"] as? [String])?.isEmpty == true)
        #expect((j["partitions"] as? [[String: Any]])?.first?["bootable"] as? Bool == true)
    }

    @Test("GPT with ext4, FAT16 and NTFS", .enabled(if: Capability.has("mkntfs"), "needs mkntfs (ntfs-3g)"))
    func gpt() throws {
        let dir = try Scratch()
        let img = try dir.file("gpt.img", size: 96 << 20)
        try Subprocess.sh("""
            printf 'label: gpt\\nstart=2048, size=40960, type=L, name=root\\nstart=43008, size=40960, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=data\\nstart=83968, size=102400, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=win\\n' | sfdisk -q '\(img)'
            """)
        try Self.place(img, start: 2048, sectors: 40960, mkfs: "mkfs.ext4 -q -L linux \"$1\"")
        try Self.place(img, start: 43008, sectors: 40960, mkfs: "mkfs.vfat -F 16 -n FAT16 \"$1\"")
        try Self.place(img, start: 83968, sectors: 102400, mkfs: "mkntfs -q -F -L WIN \"$1\"")
        try Self.check(img)
        let j = try Self.info(img)
        #expect(j["scheme"] as? String == "gpt")
        let names = (j["partitions"] as? [[String: Any]])?.map { $0["name"] as? String }
        #expect(names == ["root", "data", "win"])
        #expect((j["defects"] as? [String])?.isEmpty == true)
    }

    @Test("a bare ext4 file system is the whole device's")
    func bare() throws {
        let dir = try Scratch()
        let img = try dir.file("bare.img", size: 32 << 20)
        try Subprocess.sh("mkfs.ext4 -q -L bare '\(img)'")
        let j = try Self.info(img)
        #expect(j["scheme"] as? String == "none")
        let fs = try #require(j["filesystem"] as? [String: Any])
        let b = try Self.blkid(img, offset: 0)
        #expect(fs["type"] as? String == "ext4" && fs["uuid"] as? String == b["UUID"] && fs["label"] as? String == "bare")
    }

    @Test("a GPT whose backup was truncated away is reported as a defect")
    func truncatedBackup() throws {
        let dir = try Scratch()
        let img = try dir.file("cut.img", size: 32 << 20)
        try Subprocess.sh("printf 'label: gpt\\nstart=2048, size=20480, type=L\\n' | sfdisk -q '\(img)'; truncate -s $((32*1024*1024 - 64*1024)) '\(img)'")
        let j = try Self.info(img)
        #expect(j["scheme"] as? String == "gpt")
        let defects = try #require(j["defects"] as? [String])
        #expect(defects.contains { $0.lowercased().contains("backup") }, "\(defects)")
        #expect((j["partitions"] as? [[String: Any]])?.count == 1)
    }

    @Test("text output names the table, the partitions and the file systems")
    func text() throws {
        let dir = try Scratch()
        let img = try dir.file("t.img", size: 40 << 20)
        try Subprocess.sh("printf 'label: dos\\nstart=2048, size=75776, type=83\\n' | sfdisk -q '\(img)'")
        try Self.place(img, start: 2048, sectors: 75776, mkfs: "mkfs.ext4 -q -L textvol \"$1\"")
        let r = try Harness.blkview("info", img)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Partition table: MBR"))
        #expect(r.stdout.contains("ext4 \"textvol\""))
        #expect(r.stdout.contains("Defects: none"))
    }

    @Test("an E01 by ewfacquire: its case metadata and stored hashes, as text and JSON",
          .enabled(if: Capability.has("ewfacquire"), "ewfacquire is not installed (ewf-tools)"))
    func ewfMetadata() throws {
        let dir = try Scratch()
        let raw = try dir.file("src.raw", size: 2 << 20, random: true)
        let acq = try Subprocess.sh("cd '\(dir.path)' && ewfacquire -u -q -t img -c none -d sha1 -C 'CASE 2026-17' "
            + "-D 'USB stick from desk' -E 'EV-3' -e 'J. Doe' -N 'seized 09:40' src.raw")
        try #require(acq.status == 0, "\(acq.stderr)")
        let md5 = try Subprocess.sh("md5sum < '\(raw)'").stdout.prefix(32)
        let sha1 = try Subprocess.sh("sha1sum < '\(raw)'").stdout.prefix(40)
        let e01 = "\(dir.path)/img.E01"
        let obj = try Self.info(e01)
        let ev = try #require(obj["evidence"] as? [String: Any])
        #expect(ev["case_number"] as? String == "CASE 2026-17")
        #expect(ev["description"] as? String == "USB stick from desk")
        #expect(ev["evidence_number"] as? String == "EV-3")
        #expect(ev["examiner_name"] as? String == "J. Doe")
        #expect(ev["notes"] as? String == "seized 09:40")
        #expect(ev["md5"] as? String == String(md5) && ev["sha1"] as? String == String(sha1))
        #expect(ev["format"] as? String == "EWF" && ev["bytes_per_sector"] as? Int == 512)
        // What really reads an E01: libewf's decode workers, not a thread pool.
        #expect(obj["engine"] as? String == "ewf")
        let text = try Harness.blkview("info", e01)
        #expect(text.status == 0)
        #expect(text.stdout.contains("decoders (pread)") && !text.stdout.contains("threads"), "\(text.stdout)")
        for needle in ["EWF case metadata:", "Case number:", "CASE 2026-17", "Examiner:", "J. Doe", "seized 09:40",
                       "Stored hashes: md5 \(md5), sha1 \(sha1)"] {
            #expect(text.stdout.contains(needle), "\(needle) in:\n\(text.stdout)")
        }
    }

    @Test("an EWF set with more segments than the fd limit allows: one line naming the limit, exit 1",
          .enabled(if: Capability.has("ewfacquire"), "ewfacquire is not installed (ewf-tools)"))
    func ewfFdLimit() throws {
        let dir = try Scratch()
        _ = try dir.file("src.raw", size: 3 << 20, random: true)
        try #require(try Subprocess.sh("cd '\(dir.path)' && ewfacquire -u -q -t img -c none -S 1MiB src.raw").status == 0)
        let r = try Subprocess.sh("ulimit -Sn 18 && ulimit -Hn 18 && '\(Harness.blkview)' info '\(dir.path)/img.E01'")
        #expect(r.status == 1)
        #expect(r.stderr.contains("segment files but this process may open only 18 files (ulimit -n, at most ulimit -Hn)"),
                "\(r.stderr)")
        #expect(!r.stderr.contains("present and intact"), "\(r.stderr)")
        // Room for the set on paper, but descriptors already taken: libewf's
        // open fails with EMFILE, and that is what the error says.
        let held = (3...16).map { "\($0)</dev/null" }.joined(separator: " ")
        let e = try Subprocess.run("/bin/bash", ["-c", "ulimit -Sn 22 && ulimit -Hn 22 && exec \(held) '\(Harness.blkview)' info '\(dir.path)/img.E01'"])
        #expect(e.status == 1)
        #expect(e.stderr.contains("too many open files while opening the") && e.stderr.contains("(ulimit -n is 22): raise the limit"),
                "\(e.stderr)")
    }

    @Test("a GPT entry at LBA 2^55 of 2^62 sectors: a defect in text and JSON, no trap", .enabled(if: Capability.has("sgdisk") && Capability.has("python3"), "needs sgdisk and python3"))
    func overflowingEntry() throws {
        let dir = try Scratch()
        let img = try dir.file("huge-entry.img", size: 16 << 20)
        try Subprocess.sh("sgdisk -o -n 1:2048:+4M '\(img)' >/dev/null")
        // Entry 1: StartingLBA 2^55, EndingLBA 2^62; both CRCs recomputed (zlib's CRC-32 is GPT's).
        let r = try Subprocess.sh("""
            python3 - '\(img)' <<'PY'
            import struct, sys, zlib
            f = open(sys.argv[1], 'r+b'); d = bytearray(f.read(1024 + 16384))
            struct.pack_into('<QQ', d, 1024 + 32, 1 << 55, 1 << 62)
            struct.pack_into('<I', d, 512 + 88, zlib.crc32(bytes(d[1024:1024 + 16384])))
            struct.pack_into('<I', d, 512 + 16, 0)
            struct.pack_into('<I', d, 512 + 16, zlib.crc32(bytes(d[512:512 + 92])))
            f.seek(0); f.write(d); f.close()
            PY
            """)
        try #require(r.status == 0, "\(r.stderr)")
        let text = try Harness.blkview("info", img)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("partition 1: sectors 36028797018963968+"), "\(text.stdout)")
        let j = try Self.info(img)
        #expect((j["defects"] as? [String])?.contains { $0.contains("overflow a 64-bit byte offset") } == true)
    }

    @Test("an uneven split set: info lists its segments (text and JSON); a middle segment alone is noted")
    func splitLayout() throws {
        let dir = try Scratch()
        let sizes = [7 * 1024 * 1024 + 513, 20 * 1024 * 1024 - 1, 1_000_000]
        for (i, n) in sizes.enumerated() { try Subprocess.sh("head -c \(n) /dev/zero > '\(dir.path)/set.00\(i + 1)'") }
        let j = try Self.info(dir.path + "/set.001")
        #expect(j["size"] as? Int == sizes.reduce(0, +))
        let segs = try #require(j["segments"] as? [[String: Any]])
        #expect(segs.map { $0["size"] as? Int } == sizes)
        #expect(segs.map { $0["offset"] as? Int } == [0, sizes[0], sizes[0] + sizes[1]])
        #expect(segs.map { ($0["path"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } } == ["set.001", "set.002", "set.003"])
        let text = try Harness.blkview("info", dir.path + "/set.001")
        #expect(text.stdout.contains("Segments:"))
        let row = text.stdout.split(separator: "\n").first { $0.contains("/set.002") }?.split(separator: " ").map(String.init)
        #expect(row?.prefix(4) == ["2", "\(dir.path)/set.002", "\(sizes[0])", "\(sizes[1])"], "\(text.stdout)")
        let middle = try Harness.blkview("info", dir.path + "/set.002")
        #expect(middle.status == 0)
        #expect(middle.stdout.contains("Note: set.002 looks like segment 2 of the split raw set set.001"), "\(middle.stdout)")
        let mj = try Self.info(dir.path + "/set.002")
        #expect((mj["note"] as? String)?.contains("segment 2 of the split raw set set.001") == true)
    }

    /// An MBR disk with ext4 acquired by ewfacquire in 10 MiB segments (4 of them), then damaged by `damage`.
    static func damagedEWF(_ dir: Scratch, _ damage: String) throws -> String {
        let img = try dir.file("disk.raw", size: 40_000_000)
        try Subprocess.sh("printf 'label: dos\\nstart=2048, size=40960, type=83\\n' | sfdisk -q '\(img)'")
        try Self.place(img, start: 2048, sectors: 40960, mkfs: "mkfs.ext4 -q -L evidence \"$1\"")
        let r = try Subprocess.sh("cd '\(dir.path)' && ewfacquire -u -q -c none -S 10MiB -t '\(dir.path)/set' disk.raw >/dev/null 2>&1 && ls set.E04 && \(damage)")
        try #require(r.status == 0, "ewfacquire or damage failed: \(r.stderr)")
        return dir.path + "/set.E01"
    }

    @Test("info on an E01 set with a truncated last segment: what can be read, plus defects", .enabled(if: Capability.has("ewfacquire"), "needs ewf-tools"))
    func truncatedLastSegment() throws {
        let dir = try Scratch()
        let e01 = try Self.damagedEWF(dir, "truncate -s -1048576 set.E04")
        let r = try Harness.blkview("info", "--json", e01)
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let parts = try #require(j["partitions"] as? [[String: Any]])
        #expect(parts.count == 1)
        #expect((parts.first?["filesystem"] as? [String: Any])?["label"] as? String == "evidence")
        let defects = j["defects"] as? [String] ?? []
        #expect(defects.contains { $0.hasPrefix("unreadable: ") }, "\(defects)")
    }

    @Test("info on an E01 set without its E02: the segment is named missing", .enabled(if: Capability.has("ewfacquire"), "needs ewf-tools"))
    func missingMiddleSegment() throws {
        let dir = try Scratch()
        let e01 = try Self.damagedEWF(dir, "rm set.E02")
        let r = try Harness.blkview("info", e01)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("  - EWF segment set.E02 is missing (set.E03 exists)"), "\(r.stdout)")
        #expect(!r.stdout.contains("checksum mismatch"), "\(r.stdout)")
        #expect(r.stdout.contains("ext4 \"evidence\""), "\(r.stdout)")
    }
}
