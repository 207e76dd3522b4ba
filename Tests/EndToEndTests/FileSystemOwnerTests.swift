import Foundation
import TestSupport
import Testing

/// `owner` against `ifind -d` then `istat`, for 1,000 seeded-random blocks of
/// each image, on the raw image, a split copy and an E01.
///
/// The reference is the relation ifind inverts (`OwnerReference`: ifind's
/// walk over every block at once, blkstat of every block), so the 1,000
/// answers cost one walk;
/// `referenceEqualsIfind` runs the real `ifind -d` + `istat` on 25 of the
/// blocks of each image to prove the relation gives ifind's answers.
///
/// Agreement, where several inodes list the same block (a deleted FAT file's
/// guessed clusters over a live file's, an NTFS directory's index records,
/// `$MFT`'s clusters holding every record): `owner` names the one `ifind -d`
/// prints — the first claim in the inode walk (inodes in order, then the
/// inode's attributes in order) — with that claim's offset, and istat's
/// allocation of that inode. Blocks no inode lists are `metadata` where
/// blkstat says (Meta) (ifind's `Meta Data`), else `allocated` or
/// `unallocated` as blkstat says.
@Suite(.enabled(if: FileSystemImages.tools && TSKBatch.compiler != nil, "needs the file-system image tools, sleuthkit, libtsk-dev and a C compiler"))
struct FileSystemOwnerTests {
    static let blocksPerImage = 1000
    static let ifindPerImage = 25

    /// One sampled byte: its block, the byte within it, and why it was picked.
    struct Pick {
        var block: UInt64
        var within: Int64
        var stratum: String
    }

    /// The kinds of block the relation has, with how many the sample takes of
    /// each: the first and last blocks, blocks several inodes claim, a file's
    /// slack, metadata, allocated with no file, a deleted file's, unallocated,
    /// an allocated file's.
    static func strata(_ ref: OwnerReference) -> [(name: String, quota: Int, blocks: [UInt64])] {
        var multi: [UInt64] = [], slack: [UInt64] = [], deleted: [UInt64] = [], live: [UInt64] = []
        for (b, cs) in ref.claims {
            if Set(cs.map(\.inode)).count > 1 { multi.append(b) }
            if cs[0].slack { slack.append(b) }
            if cs.contains(where: { ref.allocated[$0.inode] == false }) { deleted.append(b) } else { live.append(b) }
        }
        var meta: [UInt64] = [], allocatedNoFile: [UInt64] = [], free: [UInt64] = []
        for b in 0..<UInt64(ref.count) where ref.claims[b] == nil {
            switch ref.flags[Int(b)] {
            case UInt8(ascii: "M"), UInt8(ascii: "m"): meta.append(b)
            case UInt8(ascii: "a"): allocatedNoFile.append(b)
            case UInt8(ascii: "f"): free.append(b)
            default: break
            }
        }
        return [("edge", 2, [0, UInt64(ref.count - 1)]), ("multi", 50, multi), ("slack", 50, slack), ("meta", 60, meta),
                ("allocated-no-file", 30, allocatedNoFile), ("deleted", 200, deleted), ("unallocated", 150, free), ("file", 220, live)]
    }

    /// 1,000 blocks of `ref` (seeded by the kind): each stratum's quota, then uniform picks up to the count.
    static func sample(_ ref: OwnerReference, count: Int = blocksPerImage) -> [Pick] {
        var rng = SeededRandom(seed: UInt64(ref.kind.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        var seen = Set<UInt64>()
        var out: [Pick] = []
        func add(_ b: UInt64, _ s: String) {
            guard out.count < count, seen.insert(b).inserted else { return }
            out.append(Pick(block: b, within: Int64.random(in: 0..<ref.blockSize, using: &rng), stratum: s))
        }
        for (name, quota, blocks) in strata(ref) {
            var pool = blocks.sorted()
            pool.shuffle(using: &rng)
            for b in pool.prefix(quota) { add(b, name) }
        }
        while out.count < count { add(UInt64.random(in: 0..<UInt64(ref.count), using: &rng), "uniform") }
        return out
    }

    /// What `owner --json` must say of `pick` (nil: it agrees), from the reference.
    static func disagreement(_ ref: OwnerReference, _ pick: Pick, _ o: [String: Any]) -> String? {
        let owner = o["owner"] as? [String: Any]
        let status = o["status"] as? String
        guard (o["block"] as? NSNumber)?.uint64Value == pick.block else { return "block \(o["block"] ?? "nil")" }
        if let c = ref.claims[pick.block]?.first {
            let address = ref.isNTFS ? "\(c.inode)-\(c.attribute)" : String(c.inode)
            guard status == "file", owner?["address"] as? String == address else {
                return "ifind's answer is \(address), owner's \(owner?["address"] ?? status ?? "?")"
            }
            guard owner?["allocated"] as? Bool == ref.allocated[c.inode] else { return "istat's allocation of \(address)" }
            let offset = c.offset + pick.within
            guard (owner?["file_offset"] as? NSNumber)?.int64Value == offset else {
                return "offset in \(address): ifind's walk puts it at \(offset), owner at \(owner?["file_offset"] ?? "nil")"
            }
            return nil
        }
        guard owner == nil else { return "no inode lists the block, owner names \(owner?["address"] ?? "?")" }
        let expected = switch ref.flag(pick.block) {
        case UInt8(ascii: "M"), UInt8(ascii: "m"): "metadata"
        case UInt8(ascii: "a"): "allocated"
        case UInt8(ascii: "f"): "unallocated"
        default: "unknown"
        }
        return status == expected ? nil : "blkstat says \(expected), owner \(status ?? "?")"
    }

    @Test(arguments: FileSystemImages.kinds, FileSystemImages.forms)
    func ownerMatchesIfindAndIstat(kind: String, form: String) throws {
        let ref = try OwnerReference.of(kind)
        let picks = Self.sample(ref)
        #expect(picks.count == Self.blocksPerImage)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let list = try scratch.write("offsets", Array(picks.map { "0x" + String(Int64($0.block) * ref.blockSize + $0.within, radix: 16) + "\n" }.joined().utf8))
        let media = try FileSystemImages.media(kind, form)
        let r = try Harness.blkview("owner", media, "--json", "--offsets-from", list)
        #expect(r.status == 0, "\(r.stderr)")
        let answers = r.stdout.split(separator: "\n")
        try #require(answers.count == picks.count, "\(kind) \(form): \(answers.count) answers for \(picks.count) offsets")
        var wrong: [String] = []
        var byStratum: [String: Int] = [:]
        for (pick, line) in zip(picks, answers) {
            byStratum[pick.stratum, default: 0] += 1
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let why = Self.disagreement(ref, pick, o) { wrong.append("block \(pick.block) (\(pick.stratum)): \(why)") }
        }
        #expect(wrong.isEmpty, "\(kind) \(form): \(wrong.count) of \(picks.count) disagree: \(wrong.prefix(8).joined(separator: "; "))")
        // The sample means something: every kind of block the image has is in it (ISO 9660 has no deleted files).
        for (name, quota, blocks) in Self.strata(ref) {
            #expect(byStratum[name, default: 0] >= min(quota, blocks.count) - 2, "\(kind): \(name): \(byStratum)")
        }
        #expect(byStratum["file", default: 0] >= 200 && byStratum["unallocated", default: 0] >= 100, "\(kind): \(byStratum)")
        if kind != "iso9660" { #expect(byStratum["deleted", default: 0] >= 100, "\(kind): \(byStratum)") }
    }

    /// The relation gives ifind's answers: the real `ifind -d` then `istat` on
    /// 25 of the sampled blocks (the first of each stratum first, so that
    /// shared blocks, FAT slack, metadata and block 0 are among them).
    @Test(arguments: FileSystemImages.kinds)
    func referenceEqualsIfind(kind: String) throws {
        let ref = try OwnerReference.of(kind)
        let picks = Self.sample(ref)
        var chosen: [Pick] = []
        var rounds = 0
        while chosen.count < Self.ifindPerImage && rounds < 40 {
            var taken = Set<String>()
            for p in picks where !chosen.contains(where: { $0.block == p.block }) && !taken.contains(p.stratum) {
                taken.insert(p.stratum)
                chosen.append(p)
                if chosen.count == Self.ifindPerImage { break }
            }
            rounds += 1
        }
        let answers = try IfindAnswers.of(kind, blocks: chosen.map(\.block))
        for p in chosen {
            let a = try #require(answers[p.block])
            #expect(a.ifind == ref.ifind(p.block), "\(kind) block \(p.block) (\(p.stratum)): ifind -d says \(a.ifind), the reference \(ref.ifind(p.block))")
            if let c = ref.claims[p.block]?.first {
                #expect(a.allocated == ref.allocated[c.inode], "\(kind) block \(p.block): istat's allocation of \(a.ifind)")
            }
        }
        let strata = Set(chosen.map(\.stratum))
        #expect(strata.isSuperset(of: ["edge", "unallocated", "file"] + (kind == "iso9660" ? [] : ["deleted"])), "\(kind): \(strata)")
        #expect(strata.contains("multi") || !Self.strata(ref).contains { $0.name == "multi" && !$0.blocks.isEmpty }, "\(kind): \(strata)")
    }

    /// The reference's allocations and flags are istat's and blkstat's (the tools, on a few inodes and blocks).
    @Test(arguments: ["fat16", "ntfs", "ext3"])
    func referenceFlagsAreTheTools(kind: String) throws {
        let raw = try FileSystemImages.raw(kind)
        let ref = try OwnerReference.of(kind)
        let inodes = ref.allocated.keys.sorted()
        var rng = SeededRandom(seed: 14)
        let deleted = inodes.filter { ref.allocated[$0] == false }
        let some = (0..<4).map { _ in inodes[Int.random(in: 0..<inodes.count, using: &rng)] } + deleted.prefix(2)
        for i in some {
            let st = try Subprocess.checked("istat", [raw, String(i)]).stdout
            let allocated = !st.split(separator: "\n").contains { $0 == "Not Allocated" || $0.hasPrefix("Not Allocated ") }
            #expect(ref.allocated[i] == allocated, "\(kind) inode \(i): istat says \(allocated ? "allocated" : "not allocated")")
        }
        for b in [UInt64(0), UInt64(ref.count / 2), UInt64(ref.count - 1)] {
            let own = try Subprocess.checked("blkstat", [raw, String(b)]).stdout
            let want: UInt8 = own.contains("Not Allocated") ? (own.contains("(Meta)") ? UInt8(ascii: "m") : UInt8(ascii: "f"))
                : (own.contains("(Meta)") ? UInt8(ascii: "M") : UInt8(ascii: "a"))
            #expect(ref.flag(b) == want, "\(kind) block \(b): blkstat says \(own)")
        }
    }

    /// `--offsets-from`: positions one a line (comments, blank lines, `-` for
    /// standard input) after the arguments' own, answered in order; a bad line
    /// is one message naming the line, and nothing is printed.
    @Test func offsetsFromAFile() throws {
        let raw = try FileSystemImages.raw("fat12")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let list = try scratch.write("list", Array("# the boot sector, then the FAT\n\ns1\n  0x400  \n".utf8))
        let direct = try Harness.blkview("owner", raw, "0x10", "s1", "0x400")
        let listed = try Harness.blkview("owner", raw, "0x10", "--offsets-from", list)
        let piped = try Subprocess.run(Harness.blkview, ["owner", raw, "0x10", "--offsets-from", "-"], input: "s1\n0x400\n")
        #expect(direct.status == 0 && direct.stdout.split(separator: "\n").count == 3, "\(direct.stderr)")
        #expect(listed.stdout == direct.stdout && piped.stdout == direct.stdout, "\(listed.stdout)\(piped.stdout)\(listed.stderr)")
        let bad = try scratch.write("bad", Array("0x10\nbogus!\n".utf8))
        let r = try Harness.blkview("owner", raw, "--offsets-from", bad)
        #expect(r.status != 0 && r.stdout.isEmpty, "\(r.stdout)")
        #expect(r.stderr.contains("line 2: 'bogus!' is not a position") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        let none = try Harness.blkview("owner", raw, "--offsets-from", scratch.file("missing"))
        #expect(none.status != 0 && none.stderr.contains("cannot read it"), "\(none.stderr)")
    }

    /// A cluster two inodes claim: a deleted FAT file's (libtsk guesses its
    /// clusters from the start cluster) that a later file reuses. `ifind -a`
    /// lists both; `owner` names the one `ifind -d` prints (the first in the
    /// inode walk: here the deleted file, in the root directory, before the
    /// live file in a subdirectory) with its allocation — not the live file.
    @Test func sharedClusterOwnerIsIfindsFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let script = """
        set -e
        cd '\(scratch.path)'
        head -c 5000 /dev/urandom > a.txt; head -c 3000 /dev/urandom > b.txt; head -c 9000 /dev/urandom > c.txt
        mkfs.fat -C -F 12 -s 4 -S 512 img 4096 >/dev/null
        export MTOOLS_SKIP_CHECK=1
        mmd -i img ::/d
        mcopy -i img a.txt ::/
        mcopy -i img b.txt ::/
        mdel -i img ::/a.txt
        mcopy -i img c.txt ::/d/
        """
        let made = try Subprocess.sh(script)
        try #require(made.status == 0, "\(made.stderr)")
        let img = scratch.file("img")
        // The deleted file (fls -d) and the sectors istat gives it.
        let fls = try Subprocess.checked("fls", ["-r", "-p", "-d", img]).stdout
        let deleted = try #require(fls.split(separator: "\n").first.flatMap { $0.split(separator: "\t").first?.split(separator: " ").last }
            .map { String($0.dropLast()) }, "no deleted file: \(fls)")
        let lines = try Subprocess.checked("istat", [img, deleted]).stdout.split(separator: "\n")
        let sectors = lines.drop { $0 != "Sectors:" }.dropFirst().flatMap { $0.split(separator: " ").map(String.init) }
        var shared: [(block: String, all: [String])] = []
        for block in sectors where block != "0" {
            let all = try Subprocess.checked("ifind", ["-a", "-d", block, img]).stdout.split(separator: "\n").map(String.init)
            if all.count > 1 { shared.append((block, all)) }
        }
        try #require(!shared.isEmpty, "mtools reused no cluster of the deleted file (inode \(deleted), sectors \(sectors))")
        let r = try Harness.blkview(["owner", img, "--json"] + shared.map { "s" + $0.block })
        let answers = r.stdout.split(separator: "\n")
        try #require(answers.count == shared.count, "\(r.stderr)")
        for (s, line) in zip(shared, answers) {
            let first = try Subprocess.checked("ifind", ["-d", s.block, img]).trimmed
            #expect(first == s.all[0], "ifind -d and ifind -a disagree on block \(s.block)")
            // Here the first claim is the deleted file's: owner must not prefer the live one.
            #expect(first == deleted, "block \(s.block): ifind -d says \(first), the deleted file is \(deleted)")
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let owner = o["owner"] as? [String: Any]
            #expect(owner?["address"] as? String == first, "block \(s.block): ifind -a says \(s.all), owner \(line)")
            #expect(owner?["allocated"] as? Bool == false, "block \(s.block): istat says inode \(first) is not allocated; owner \(line)")
        }
    }

    /// The offset in the file is right: the byte `owner` names is the byte at that offset of `cat --slack`.
    @Test(arguments: ["fat16", "ntfs", "ext4"])
    func ownerOffsetPointsAtTheFilesByte(kind: String) throws {
        let ref = try OwnerReference.of(kind)
        let picks = Self.sample(ref).filter { $0.stratum == "file" || $0.stratum == "slack" }
        let raw = try FileSystemImages.raw(kind)
        let image = try #require(FileHandle(forReadingAtPath: raw))
        defer { try? image.close() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let chosen = Array(picks.prefix(8))
        let offsets = chosen.map { Int64($0.block) * ref.blockSize + $0.within }
        let r = try Harness.blkview(["owner", raw, "--json"] + offsets.map(String.init))
        let answers = r.stdout.split(separator: "\n")
        try #require(answers.count == chosen.count, "\(r.stderr)")
        for (offset, line) in zip(offsets, answers) {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let owner = try #require(o["owner"] as? [String: Any])
            let off = try #require((owner["file_offset"] as? NSNumber)?.int64Value)
            let addr = try #require(owner["address"] as? String)
            let c = try Harness.blkview("cat", raw, "--inode", addr, "--slack", "-o", scratch.file("f"))
            #expect(c.status == 0, "\(c.stderr)")
            let content = try Data(contentsOf: URL(fileURLWithPath: scratch.file("f")))
            try image.seek(toOffset: UInt64(offset))
            let byte = try #require(image.readData(ofLength: 1).first)
            #expect(off < content.count && content[Int(off)] == byte, "\(kind) 0x\(String(offset, radix: 16)) → \(addr) +\(off)")
        }
    }
}

/// The real `ifind -d` then `istat` for some blocks of an image, kept beside
/// the reference (keyed by the image's SHA-256): 0.1–1 s a block.
enum IfindAnswers {
    struct Answer: Equatable {
        var ifind: String
        var allocated: Bool?
    }

    static func of(_ kind: String, blocks: [UInt64]) throws -> [UInt64: Answer] {
        let raw = try FileSystemImages.raw(kind)
        let cache = "\(OwnerReference.directory)/\(try OwnerReference.checksum(kind)).ifind"
        var known: [UInt64: Answer] = [:]
        if let text = try? String(contentsOfFile: cache, encoding: .utf8) {
            for l in text.split(separator: "\n") {
                let f = l.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard f.count == 3, let b = UInt64(f[0]) else { continue }
                known[b] = Answer(ifind: f[1], allocated: f[2].isEmpty ? nil : f[2] == "1")
            }
        }
        var added = false
        for b in blocks where known[b] == nil {
            let f = try Subprocess.checked("ifind", ["-d", String(b), raw]).trimmed
            var allocated: Bool?
            if let first = f.split(separator: "-").first, UInt64(first) != nil {
                let st = try Subprocess.checked("istat", [raw, String(first)]).stdout
                allocated = !st.split(separator: "\n").contains { $0 == "Not Allocated" || $0.hasPrefix("Not Allocated ") }
            }
            known[b] = Answer(ifind: f, allocated: allocated)
            added = true
        }
        if added {
            let text = known.sorted { $0.key < $1.key }
                .map { "\($0.key)\t\($0.value.ifind)\t\($0.value.allocated.map { $0 ? "1" : "0" } ?? "")\n" }.joined()
            try text.write(toFile: cache, atomically: true, encoding: .utf8)
        }
        return known
    }
}
