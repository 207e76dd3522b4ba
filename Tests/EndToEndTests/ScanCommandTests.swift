import Foundation
import TestSupport
import Testing

/// `blkview scan` on images whose partition tables were zeroed: every
/// partition is found with the start and size sfdisk reported before, and
/// the printed sfdisk script gives the table back.
///
/// Notes — testdisk 7.1 on the same images (`testdisk /log /cmd IMG
/// analyze,search`, Quick Search; run by hand, testdisk is not a test
/// dependency): on the GPT image with both headers zeroed it lists the same
/// five partitions (ext4 2048+81920 "lost-ext4", FAT32 83968+81920, NTFS
/// 165888+81920, the exFAT at 247808+81920 shown as "HPFS - NTFS", XFS
/// 329728+655360); its deeper search adds the ext4 backup superblocks,
/// NTFS's backup boot sector and four XFS secondary superblocks as further
/// candidates, which scan demotes as lying inside the file system that holds
/// them. On the DOS image it finds the same four partitions, the FAT32 at
/// sector 63 included, but sized 81856 sectors (its file system's size,
/// rounded by mkfs.fat) where sfdisk had 81857: scan counts the sector left
/// before the next partition in, so its script gives back 81857.
@Suite("blkview scan", .enabled(if: Capability.have("sfdisk", "mkfs.ext4", "mkfs.fat", "mkfs.ntfs", "mkfs.exfat", "mkfs.xfs"),
                                "needs sfdisk, e2fsprogs, dosfstools, ntfs-3g, exfatprogs and xfsprogs"))
struct ScanCommandTests {
    typealias Part = (start: Int, size: Int, type: String)

    /// Makes `fs` at sector `start` of `img` (the file system fills `sectors`).
    static func place(_ img: String, start: Int, sectors: Int, fs: String) throws {
        let mkfs: String
        switch fs {
        case "ext4": mkfs = "mkfs.ext4 -q -F -L lost-ext4"
        case "vfat": mkfs = "mkfs.fat -F32 -n LOSTFAT"
        case "ntfs": mkfs = "mkfs.ntfs -q -Q -F -L lostntfs"
        case "exfat": mkfs = "mkfs.exfat -L lostexfat"
        case "xfs": mkfs = "mkfs.xfs -q -f -L lostxfs"
        default: throw TestFailure("no mkfs for \(fs)")
        }
        let part = img + ".part"
        let r = try Subprocess.sh("""
            set -e; truncate -s \(sectors * 512) '\(part)'; \(mkfs) '\(part)' >/dev/null 2>&1
            dd if='\(part)' of='\(img)' bs=512 seek=\(start) conv=notrunc,sparse status=none; rm -f '\(part)'
            """)
        try #require(r.status == 0, "\(mkfs) failed: \(r.stderr)")
    }

    static func run(_ arguments: [String]) throws -> Subprocess.Result {
        let bin: String = Harness.blkview
        return try Subprocess.run(bin, arguments)
    }

    static func sfdisk(_ img: String) throws -> (label: String, parts: [Part]) {
        let r = try Subprocess.checked("sfdisk", ["--json", img])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let table = try #require(obj?["partitiontable"] as? [String: Any])
        let parts = table["partitions"] as? [[String: Any]] ?? []
        return (table["label"] as? String ?? "",
                parts.map { ($0["start"] as? Int ?? -1, $0["size"] as? Int ?? -1, ($0["type"] as? String ?? "").uppercased()) })
    }

    static func scan(_ img: String, _ extra: String...) throws -> (json: [String: Any], script: String) {
        let script = img + ".sfdisk"
        let r = try Self.run(["scan", img, "--json", "--script", script] + extra)
        try #require(r.status == 0, "scan exited \(r.status): \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let text = try String(contentsOfFile: script, encoding: .utf8)
        #expect(text == json["script"] as? String)
        return (json, text)
    }

    /// The candidates scan puts in the table: (start, sectors, type, label).
    static func table(_ json: [String: Any]) -> [(Int, Int, String, String?)] {
        (json["candidates"] as? [[String: Any]] ?? []).filter { $0["in_table"] as? Bool == true }.map {
            ($0["start"] as? Int ?? -1, $0["sectors"] as? Int ?? -1, $0["type"] as? String ?? "", $0["label"] as? String)
        }
    }

    /// Builds `layout` on a sparse image of `megabytes` with sfdisk, zeroes
    /// `zero` (sector ranges), scans, and applies the script to a copy.
    func roundTrip(label: String, megabytes: Int, layout: [(start: Int, size: Int, type: String, fs: String)],
                   zero: [(Int, Int)], expectLabel: String) throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("disk.img", bytes: Int64(megabytes) << 20)
        let lines = layout.map { "start=\($0.start), size=\($0.size), type=\($0.type)" }.joined(separator: "\n")
        try Subprocess.checked("sfdisk", ["-q", img], input: "label: \(label)\n\(lines)\n")
        let before = try Self.sfdisk(img)
        #expect(before.parts.count == layout.count)
        // An entry without a file system is a container (the extended partition).
        for p in layout where !p.fs.isEmpty { try Self.place(img, start: p.start, sectors: p.size, fs: p.fs) }
        let filled = before.parts.filter { p in layout.contains { $0.start == p.start && !$0.fs.isEmpty } }
        for (at, count) in zero {
            try Subprocess.checked("dd", ["if=/dev/zero", "of=\(img)", "bs=512", "seek=\(at)", "count=\(count)", "conv=notrunc", "status=none"])
        }
        let gone = try Subprocess.run("sfdisk", ["--json", img]).stdout
        #expect(!gone.contains("\"label\": \"gpt\"") && !gone.contains("\"start\": \(layout[0].start)"), "the table is gone: \(gone)")

        let (json, script) = try Self.scan(img)
        #expect(json["label"] as? String == expectLabel)
        #expect(script.contains("blkview never writes a partition table"))
        let found = Self.table(json)
        #expect(found.map(\.0) == filled.map(\.start), "\(json)")
        #expect(found.map(\.1) == filled.map(\.size), "\(json)")
        #expect(found.map(\.2) == layout.map(\.fs).filter { !$0.isEmpty })
        for c in json["candidates"] as? [[String: Any]] ?? [] where c["in_table"] as? Bool == true {
            #expect((c["confidence"] as? Int ?? 0) >= 90, "\(c)")
            #expect(c["uuid"] is String && c["label"] is String, "\(c)")
        }

        let copy = dir.file("copy.img")
        try Subprocess.checked("cp", ["--sparse=always", img, copy])
        try Subprocess.checked("sfdisk", ["-q", copy], input: script)
        let after = try Self.sfdisk(copy)
        #expect(after.label == expectLabel)
        #expect(after.parts.map(\.start) == before.parts.map(\.start))
        #expect(after.parts.map(\.size) == before.parts.map(\.size))
        #expect(after.parts.map(\.type) == before.parts.map(\.type))
    }

    @Test func gptWithBothHeadersZeroed() throws {
        let linux = "0FC63DAF-8483-4772-8E79-3D69D8477DE4", data = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
        let total = 512 << 11  // sectors of a 512 MiB image
        try roundTrip(label: "gpt", megabytes: 512, layout: [
            (2048, 81920, linux, "ext4"), (83968, 81920, data, "vfat"), (165888, 81920, data, "ntfs"),
            (247808, 81920, data, "exfat"), (329728, 655360, linux, "xfs"),
        ], zero: [(1, 33), (total - 33, 33)], expectLabel: "gpt")
    }

    @Test func dosWithTheMBRZeroed() throws {
        // The first partition where DOS put it: one track (63 sectors) in.
        try roundTrip(label: "dos", megabytes: 256, layout: [
            (63, 81857, "c", "vfat"), (81920, 81920, "83", "ext4"), (163840, 81920, "7", "ntfs"), (245760, 81920, "7", "exfat"),
        ], zero: [(0, 1)], expectLabel: "dos")
    }

    @Test func dosWithLogicalPartitionsAndTheMBRZeroed() throws {
        // Three primaries, then an extended partition holding two logical ones
        // (each 2048 sectors after its EBR, as sfdisk lays them out).
        try roundTrip(label: "dos", megabytes: 256, layout: [
            (2048, 40960, "83", "ext4"), (43008, 81920, "c", "vfat"), (124928, 40960, "7", "ntfs"),
            (165888, 124928, "5", ""), (167936, 40960, "83", "ext4"), (210944, 79872, "7", "exfat"),
        ], zero: [(0, 1)], expectLabel: "dos")
    }

    @Test func thoroughFindsAPartitionOffEveryBoundary() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("odd.img", bytes: 64 << 20)
        try Self.place(img, start: 40001, sectors: 40960, fs: "ext4")
        let quick = try Self.run(["scan", img, "--json"])
        #expect(quick.status == 1, "nothing at MiB or cylinder boundaries: \(quick.stdout)")
        let (json, script) = try Self.scan(img, "--thorough")
        #expect(Self.table(json).map(\.0) == [40001])
        #expect(Self.table(json).map(\.1) == [40960])
        #expect(json["label"] as? String == "dos")
        #expect(script.contains("start=40001, size=40960, type=83"))
    }

    @Test func thoroughFindsAnNTFSWhoseBootSectorIsGoneByItsBackup() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("ntfs.img", bytes: 128 << 20)
        let data = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
        try Subprocess.checked("sfdisk", ["-q", img], input: "label: gpt\nstart=2048, size=81920\nstart=83968, size=81920, type=\(data)\n")
        try Self.place(img, start: 2048, sectors: 81920, fs: "ext4")
        try Self.place(img, start: 83968, sectors: 81920, fs: "ntfs")
        let total = 128 << 11
        for (at, count) in [(1, 33), (total - 33, 33), (83968, 1)] {
            try Subprocess.checked("dd", ["if=/dev/zero", "of=\(img)", "bs=512", "seek=\(at)", "count=\(count)", "conv=notrunc", "status=none"])
        }
        let (quick, _) = try Self.scan(img)
        #expect(Self.table(quick).map(\.0) == [2048], "the quick pass finds the ext4 only")
        let (json, script) = try Self.scan(img, "--thorough")
        #expect(Self.table(json).map(\.0) == [2048, 83968])
        #expect(Self.table(json).map(\.1) == [81920, 81920])
        let ntfs = (json["candidates"] as? [[String: Any]] ?? []).first { $0["start"] as? Int == 83968 }
        #expect((ntfs?["evidence"] as? [String] ?? []).contains { $0.hasPrefix("found by its backup boot sector") }, "\(ntfs ?? [:])")
        #expect(ntfs?["label"] as? String == "lostntfs")
        let copy = dir.file("copy.img")
        try Subprocess.checked("cp", ["--sparse=always", img, copy])
        try Subprocess.checked("sfdisk", ["-q", copy], input: script)
        #expect(try Self.sfdisk(copy).parts.map { [$0.start, $0.size] } == [[2048, 81920], [83968, 81920]])
    }

    @Test func textOutputNamesTheCandidatesAndTheScript() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("one.img", bytes: 64 << 20)
        try Self.place(img, start: 2048, sectors: 40960, fs: "ext4")
        let r = try Self.run(["scan", img])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 partition found"))
        #expect(r.stdout.contains("\"lost-ext4\""))
        #expect(r.stdout.contains("backup superblock of group 1 matches"))
        #expect(r.stdout.contains("label: dos\n"))
        let missing = try Self.run(["scan", dir.file("absent.img")])
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }
}
