import Foundation
import TestSupport
import Testing

/// `ls`, `cat` and `owner` against fls, icat and ifind + istat on images made
/// by mkfs.* and friends (FAT12/16/32, exFAT, NTFS, ext2/3/4, ISO 9660), each
/// on the raw image, a split copy and an E01.
@Suite(.enabled(if: FileSystemImages.tools, "needs mkfs.fat, mtools, exfatprogs, exfat-fuse, ntfs-3g, e2fsprogs, genisoimage, ewf-tools, sleuthkit, FUSE and loop devices"))
struct FileSystemEqualityTests {
    /// `ls -r --json` lists what `fls -r -p` lists: names, inode (NTFS: entry-type-id), types, deleted flag.
    @Test(arguments: FileSystemImages.kinds, FileSystemImages.forms)
    func lsMatchesFls(kind: String, form: String) throws {
        let raw = try FileSystemImages.raw(kind)
        let fls = try Subprocess.checked("fls", ["-r", "-p", raw]).stdout.split(separator: "\n").map(String.init).sorted()
        let r = try Harness.blkview("ls", try FileSystemImages.media(kind, form), "-r", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        var ours: [String] = []
        for line in r.stdout.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let deleted = try #require(o["deleted"] as? Bool)
            let realloc = try #require(o["reallocated"] as? Bool)
            let s = "\(o["name_type"]!)/\(o["meta_type"]!) \(deleted ? "* " : "")\(o["address"]!)\(realloc ? "(realloc)" : ""):\t\(o["path"]!)"
            ours.append(s)
        }
        ours.sort()
        #expect(fls.count > (kind == "fat12" ? 1000 : 1900), "too few entries in the fixture")
        #expect(fls.contains { $0.contains("* ") } || kind == "iso9660", "no deleted entries in the fixture")
        let missing = Set(fls).subtracting(ours)
        let extra = Set(ours).subtracting(fls)
        #expect(ours == fls, "missing \(missing.count): \(missing.sorted().prefix(5)); extra \(extra.count): \(extra.sorted().prefix(5))")
    }

    /// `cat` gives icat's bytes: allocated and deleted files, one with slack.
    @Test(arguments: FileSystemImages.kinds, FileSystemImages.forms)
    func catMatchesIcat(kind: String, form: String) throws {
        let raw = try FileSystemImages.raw(kind)
        let media = try FileSystemImages.media(kind, form)
        let lines = try Subprocess.checked("fls", ["-r", "-p", "-F", raw]).stdout.split(separator: "\n")
        // Files with metadata (inode > 0), allocated and deleted, every 40th.
        var picks: [(address: String, deleted: Bool)] = []
        for (i, l) in lines.enumerated() where i % 97 == 0 || (l.contains("* ") && i % 41 == 0) {
            guard let colon = l.firstIndex(of: ":") else { continue }
            let head = l[..<colon].split(separator: " ")
            guard let addr = head.last.map(String.init), !addr.hasPrefix("0"), !addr.contains("realloc") else { continue }
            picks.append((addr, l.contains("* ")))
        }
        #expect(picks.count >= 10)
        let scratch = try Scratch()
        for (n, p) in picks.prefix(16).enumerated() {
            let slack = n % 5 == 0 ? ["-s"] : []
            let ref = scratch.file("ref")
            // Deleted files: icat -r (libtsk's recovery; the same bytes as plain icat in 4.11).
            let flags = (slack + (p.deleted ? ["-r"] : [])).joined(separator: " ")
            let icat = try Subprocess.sh("icat \(flags) '\(raw)' \(p.address) > '\(ref)'")
            let mine = scratch.file("mine")
            let ours = try Harness.blkview(["cat", media, "--inode", p.address, "-o", mine] + (slack.isEmpty ? [] : ["--slack"]))
            if icat.status != 0 {
                // icat refuses some deleted entries: then so may we, with one line.
                #expect(ours.status != 0 || p.deleted, "\(kind) \(p.address): icat failed but cat did not")
                continue
            }
            #expect(ours.status == 0, "\(kind) \(form) \(p.address): \(ours.stderr)")
            let same = try Subprocess.run("cmp", [ref, mine])
            #expect(same.status == 0, "\(kind) \(form) \(p.address)\(slack.isEmpty ? "" : " --slack"): bytes differ from icat: \(same.stdout)")
        }
    }
}

extension Harness {
    static func blkview(_ arguments: [String]) throws -> Subprocess.Result {
        try Subprocess.run(blkview, arguments)
    }
}
