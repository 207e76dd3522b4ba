import Foundation
import TestSupport
import Testing

/// The names of metadata regions in `owner` (text and JSON) and in the
/// viewer's owner line, at places The Sleuth Kit's tools (fsstat, istat) or
/// the raw bytes (an MFT record's own used size) locate.
@Suite(.enabled(if: FileSystemImages.tools, "needs the file-system image tools and sleuthkit"))
struct FileSystemRegionTests {
    struct Expect: CustomStringConvertible {
        var offset: Int64
        var region: String
        var record: UInt64?
        /// More the text line must say.
        var text: String?
        var description: String { "0x\(String(offset, radix: 16)) → \(region)\(record.map { " \($0)" } ?? "")" }
    }

    /// fsstat's FAT lines (`* FAT 0: 4 - 99`; exFAT counts from 1): the FATs' sector ranges in order.
    static func fats(_ raw: String) throws -> [ClosedRange<Int64>] {
        try Subprocess.checked("fsstat", [raw]).stdout.split(separator: "\n").compactMap { l -> ClosedRange<Int64>? in
            guard l.hasPrefix("* FAT "), let colon = l.firstIndex(of: ":") else { return nil }
            let r = l[l.index(after: colon)...].split(separator: "-").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard r.count == 2, let a = r[0], let b = r[1] else { return nil }
            return a...b
        }
    }

    /// `fsstat`'s value after `label` (first occurrence).
    static func fsstat(_ raw: String, _ label: String) throws -> String {
        let out = try Subprocess.checked("fsstat", [raw]).stdout
        let line = try #require(out.split(separator: "\n").first { $0.contains(label) })
        return String(line[line.range(of: label)!.upperBound...]).trimmingCharacters(in: .whitespaces)
    }

    /// istat's first listed block of `inode` (in `list`: `Direct Blocks:`, `Sectors:`, or an NTFS `Type: $DATA` line).
    static func firstBlock(_ raw: String, _ inode: String, after header: (Substring) -> Bool) throws -> Int64 {
        let lines = try Subprocess.checked("istat", [raw, inode]).stdout.split(separator: "\n")
        guard let i = lines.firstIndex(where: header), i + 1 < lines.count, let b = Int64(lines[i + 1].split(separator: " ").first ?? "") else {
            throw TestFailure("istat \(inode): no block list")
        }
        return b
    }

    static func le(_ d: Data, _ at: Int, _ n: Int) -> Int64 {
        (0..<n).reduce(Int64(0)) { $0 | Int64(d[d.startIndex + at + $1]) << (8 * $1) }
    }

    /// Where each name must be said, on `kind`'s raw image.
    static func expectations(_ kind: String) throws -> [Expect] {
        let raw = try FileSystemImages.raw(kind)
        switch kind {
        case "fat16", "fat32", "exfat":
            let f = try fats(raw)
            try #require(!f.isEmpty, "fsstat lists no FAT")
            var out = [Expect(offset: 0x10, region: "boot sector"),
                       Expect(offset: (f[0].lowerBound - 1) * 512 + 3, region: "reserved area")]
            for (i, r) in f.enumerated() {
                out.append(Expect(offset: r.lowerBound * 512 + 7, region: "FAT \(i + 1)"))
                out.append(Expect(offset: r.upperBound * 512 + 511, region: "FAT \(i + 1)"))
            }
            return out
        case "ntfs":
            let cluster = try #require(Int64(try fsstat(raw, "Cluster Size:")))
            let mft = try #require(Int64(try fsstat(raw, "First Cluster of MFT:"))) * cluster
            let size = try #require(Int64(try fsstat(raw, "Size of MFT Entries:").split(separator: " ").first ?? ""))
            let image = try #require(FileHandle(forReadingAtPath: raw))
            defer { try? image.close() }
            func record(_ entry: UInt64) throws -> Data {
                try image.seek(toOffset: UInt64(mft + Int64(entry) * size))
                return image.readData(ofLength: Int(size))
            }
            // An entry not in use (ils: unallocated) that still has a record — a deleted
            // file's: still an MFT entry (istat decodes it), its bytes past the used size slack.
            let unused = try Subprocess.checked("ils", [raw]).stdout.split(separator: "\n").dropFirst(3)
                .compactMap { $0.split(separator: "|").first.flatMap { UInt64($0) } }
            let deleted = try unused.first { try record($0).prefix(4) == Data("FILE".utf8) }
            var out: [Expect] = []
            for entry in [UInt64(0), UInt64(7)] + (deleted.map { [$0] } ?? []) {
                let at = mft + Int64(entry) * size
                let rec = try record(entry)
                try #require(rec.prefix(4) == Data("FILE".utf8), "MFT entry \(entry) has no FILE header")
                let used = le(rec, 0x18, 4)
                out.append(Expect(offset: at + 0x30, region: "MFT entry", record: entry, text: entry == deleted ? "not in use" : nil))
                out.append(Expect(offset: at + used + 2, region: "MFT slack", record: entry))
                out.append(Expect(offset: at + size - 1, region: "MFT slack", record: entry))
            }
            try #require(deleted != nil, "no MFT entry out of use with a record on the NTFS image")
            let log = try firstBlock(raw, "2") { $0.hasPrefix("Type: $DATA") && $0.contains("Non-Resident") }
            out.append(Expect(offset: log * cluster + 100, region: "journal"))
            return out
        case "ext3", "ext4":
            let journal = try firstBlock(raw, "8") { $0 == "Direct Blocks:" }
            let table = try fsstat(raw, "Inode Table:").split(separator: "-").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            let perGroup = try #require(Int64(try fsstat(raw, "Inodes per group:")))
            let start = try #require(table.first ?? nil) * 1024
            let end = (try #require(table.last ?? nil) + 1) * 1024
            let inodeSize = (end - start) / perGroup
            let ref = try OwnerReference.of(kind)
            let free = try #require((UInt64(1)..<UInt64(ref.count)).first { ref.claims[$0] == nil && ref.flag($0) == UInt8(ascii: "f") })
            return [Expect(offset: journal * 1024 + 9, region: "journal"),
                    Expect(offset: start + 12 * inodeSize + 5, region: "inode table", record: 13),
                    Expect(offset: Int64(free) * 1024 + 17, region: "unallocated")]
        default:
            return []
        }
    }

    @Test(arguments: ["fat16", "fat32", "exfat", "ntfs", "ext3", "ext4"])
    func ownerNamesTheRegion(kind: String) throws {
        let expected = try Self.expectations(kind)
        let raw = try FileSystemImages.raw(kind)
        let offsets = expected.map { "0x" + String($0.offset, radix: 16) }
        let json = try Harness.blkview(["owner", raw, "--json"] + offsets)
        let text = try Harness.blkview(["owner", raw] + offsets)
        #expect(json.status == 0 && text.status == 0, "\(json.stderr)\(text.stderr)")
        let objects = json.stdout.split(separator: "\n")
        let lines = text.stdout.split(separator: "\n")
        try #require(objects.count == expected.count && lines.count == expected.count, "\(json.stdout)")
        for (e, (o, line)) in zip(expected, zip(objects, lines)) {
            let j = try #require(try JSONSerialization.jsonObject(with: Data(o.utf8)) as? [String: Any])
            #expect(j["region"] as? String == e.region, "\(kind) \(e): \(o)")
            #expect((j["record"] as? NSNumber)?.uint64Value == e.record, "\(kind) \(e): \(o)")
            #expect(line.contains("› \(e.region)") || line.contains("(\(e.region)"), "\(kind) \(e): \(line)")
            if let more = e.text { #expect(line.contains(more), "\(kind) \(e): \(line)") }
            if e.text == nil && e.region == "MFT entry" { #expect(!line.contains("not in use"), "\(kind) \(e): \(line)") }
        }
    }

    /// The viewer's owner line says the names too (the map built in the background, then the rested lookup).
    @Test(arguments: [("fat16", "FAT 2"), ("ntfs", "MFT slack"), ("ext4", "journal")])
    func ownerLineNamesTheRegion(kind: String, region: String) throws {
        guard Capability.has("tmux") else { throw TestFailure("tmux is not installed") }
        let e = try #require(try Self.expectations(kind).first { $0.region == region })
        let raw = try FileSystemImages.raw(kind)
        let t = try TmuxSession("\(Harness.blkview) '\(raw)'", width: 160, height: 40)
        try t.waitFor(text: "00000000")
        try FilesPanelTmuxTests.goto(t, e.offset)
        let want = "disk \(kind) › \(region)" + (e.record.map { region == "MFT slack" ? " (MFT entry \($0)" : "" } ?? "")
        try t.waitFor("owner line \(want)", seconds: 40) { $0.contains(want) }
        try t.send("q")
        try t.waitFor(text: "[exit 0")
    }
}
