import Foundation
import TestSupport
import Testing

/// `owner` against `ifind -d` then `istat`, for random blocks of each image
/// (in the part of the volume the files fill, so that most blocks have an
/// owner), on the raw image, a split copy and an E01.
///
/// ifind walks every inode for each block (0.4–1.5 s a block here), so the
/// reference answers are computed once per image set and kept beside the
/// images; `blocksPerImage` stays small for the first run's sake.
@Suite(.enabled(if: FileSystemImages.tools, "needs the file-system image tools and sleuthkit"))
struct FileSystemOwnerTests {
    static let blocksPerImage = 40

    struct Reference {
        var offset: Int64
        var block: Int64
        /// ifind -d's answer: `65`, `65-128-2`, `Meta Data`, `Inode not found`.
        var ifind: String
        /// istat's allocation of the owner (nil without an owner).
        var allocated: Bool?
    }

    /// The reference answers for `kind` (computed once, kept in `<kind>.owners`).
    static func reference(_ kind: String) throws -> [Reference] {
        let dir = try FileSystemImages.directory.get()
        let cache = "\(dir)/\(kind).owners.\(blocksPerImage)"
        if let text = try? String(contentsOfFile: cache, encoding: .utf8) {
            return text.split(separator: "\n").map { l in
                let f = l.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                return Reference(offset: Int64(f[0])!, block: Int64(f[1])!, ifind: f[2], allocated: f[3].isEmpty ? nil : f[3] == "1")
            }
        }
        let raw = try FileSystemImages.raw(kind)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: raw)[.size] as? Int64)
        let bs = FileSystemImages.blockSize(kind)
        var rng = SeededRandom(seed: UInt64(kind.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        let span = max(2, size * 35 / 100 / bs)
        var out: [Reference] = []
        for _ in 0..<blocksPerImage {
            let block = Int64.random(in: 0..<span, using: &rng)
            let offset = block * bs + Int64.random(in: 0..<bs, using: &rng)
            let f = try Subprocess.checked("ifind", ["-d", String(block), raw]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            var allocated: Bool?
            if let first = f.split(separator: "-").first, UInt64(first) != nil {
                let st = try Subprocess.checked("istat", [raw, String(first)]).stdout
                allocated = !st.contains("Not Allocated")
            }
            out.append(Reference(offset: offset, block: block, ifind: f, allocated: allocated))
        }
        let text = out.map { "\($0.offset)\t\($0.block)\t\($0.ifind)\t\($0.allocated.map { $0 ? "1" : "0" } ?? "")" }.joined(separator: "\n")
        try text.write(toFile: cache, atomically: true, encoding: .utf8)
        return out
    }

    @Test(arguments: FileSystemImages.kinds, FileSystemImages.forms)
    func ownerMatchesIfindAndIstat(kind: String, form: String) throws {
        let refs = try Self.reference(kind)
        let media = try FileSystemImages.media(kind, form)
        let r = try Harness.blkview(["owner", media, "--json"] + refs.map { "0x" + String($0.offset, radix: 16) })
        #expect(r.status == 0, "\(r.stderr)")
        let answers = r.stdout.split(separator: "\n")
        #expect(answers.count == refs.count)
        var withOwner = 0
        for (ref, line) in zip(refs, answers) {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((o["block"] as? NSNumber)?.int64Value == ref.block, "\(kind) 0x\(String(ref.offset, radix: 16)): block")
            let status = o["status"] as? String
            let owner = o["owner"] as? [String: Any]
            switch ref.ifind {
            case "Meta Data":
                #expect(status == "metadata", "\(kind) \(form) block \(ref.block): ifind says Meta Data, owner says \(status ?? "?")")
            case "Inode not found":
                #expect(owner == nil && status != "metadata", "\(kind) \(form) block \(ref.block): ifind finds no inode, owner says \(line)")
            default:
                withOwner += 1
                #expect(owner?["address"] as? String == ref.ifind, "\(kind) \(form) block \(ref.block): ifind says \(ref.ifind), owner says \(line)")
                #expect(owner?["allocated"] as? Bool == ref.allocated, "\(kind) \(form) block \(ref.block): istat's allocation")
                if let off = (owner?["file_offset"] as? NSNumber)?.int64Value {
                    #expect(off >= 0)
                }
            }
        }
        #expect(withOwner >= refs.count / 5, "\(kind): too few blocks with an owner to mean much (\(withOwner))")
    }

    /// The offset in the file is right: the byte `owner` names is the byte at that offset of `cat --slack`.
    @Test(arguments: ["fat16", "ntfs", "ext4"])
    func ownerOffsetPointsAtTheFilesByte(kind: String) throws {
        let refs = try Self.reference(kind).filter { Int64($0.ifind.split(separator: "-").first ?? "") != nil }
        let raw = try FileSystemImages.raw(kind)
        let image = try #require(FileHandle(forReadingAtPath: raw))
        defer { try? image.close() }
        let scratch = try Scratch()
        for ref in refs.prefix(8) {
            let r = try Harness.blkview(["owner", raw, "--json", String(ref.offset)])
            let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let owner = try #require(o["owner"] as? [String: Any])
            let off = try #require((owner["file_offset"] as? NSNumber)?.int64Value)
            let addr = try #require(owner["address"] as? String)
            let c = try Harness.blkview(["cat", raw, "--inode", addr, "--slack", "-o", scratch.file("f")])
            #expect(c.status == 0, "\(c.stderr)")
            let content = try Data(contentsOf: URL(fileURLWithPath: scratch.file("f")))
            try image.seek(toOffset: UInt64(ref.offset))
            let byte = try #require(image.readData(ofLength: 1).first)
            #expect(off < content.count && content[Int(off)] == byte, "\(kind) 0x\(String(ref.offset, radix: 16)) → \(addr) +\(off)")
        }
    }
}
