import Foundation
import TestSupport
import Testing

/// `info` on long EBR chains and on file systems in many logical partitions:
/// every link is followed (compared with sfdisk -d and mmls), and every probe's
/// follow-up read (the exFAT label) is made.
@Suite("blkview info: EBR chains", .enabled(if: Capability.has("sfdisk") && Capability.has("mmls") && Capability.has("blkid"),
                                             "needs sfdisk, mmls (sleuthkit) and blkid"))
struct InfoChainTests {
    /// An MBR image with an extended partition holding `count` logicals of `sectors` each.
    static func chain(_ dir: Scratch, count: Int, sectors: Int = 4096) throws -> String {
        let total = 2048 + (count + 1) * (sectors + 4096)
        let img = try dir.file("chain\(count).img", size: total * 512)
        var script = "label: dos\nx1 : start=2048, size=\(total - 2048 - 8), type=5\n"
        for i in 0..<count { script += "x\(i + 5) : size=\(sectors), type=83\n" }
        let r = try Subprocess.sh("printf '\(script.replacingOccurrences(of: "\n", with: "\\n"))' | sfdisk -q '\(img)'")
        try #require(r.status == 0, "sfdisk: \(r.stderr)")
        return img
    }

    /// mmls's non-meta partitions: (start, length) in sectors.
    static func mmls(_ img: String) throws -> [(Int, Int)] {
        let r = try Subprocess.run(Subprocess.which("mmls")!, ["-a", img])
        return r.stdout.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, f[0].hasSuffix(":"), f[1].contains(":"), let s = Int(f[2]), let n = Int(f[4]) else { return nil }
            return (s, n)
        }
    }

    /// The logicals of `info --json` against sfdisk -d and mmls.
    static func checkChain(_ img: String, count: Int) throws {
        let j = try InfoCommandTests.info(img)
        let parts = try #require(j["partitions"] as? [[String: Any]])
        let logicals = parts.filter { $0["kind"] as? String == "logical" }
        #expect(logicals.count == count, "info lists \(logicals.count) logical partitions of \(count)")
        #expect((j["defects"] as? [String]) == [], "\(j["defects"] ?? "")")
        let sfdisk = try InfoCommandTests.sfdisk(img).filter { $0.2 == "83" }
        #expect(sfdisk.count == count)
        let fromMmls = try mmls(img)
        for (p, w) in zip(logicals, sfdisk) {
            #expect(p["start"] as? Int == w.0)
            #expect(p["size"] as? Int == w.1)
            #expect(fromMmls.contains { $0.0 == w.0 && $0.1 == w.1 }, "mmls lacks \(w.0)+\(w.1)")
        }
        #expect(logicals.last?["index"] as? Int == 4 + count)
    }

    @Test("10 logical partitions made by sfdisk are all listed")
    func ten() throws {
        let dir = try Scratch()
        try Self.checkChain(try Self.chain(dir, count: 10), count: 10)
    }

    @Test("40 logical partitions made by sfdisk are all listed")
    func forty() throws {
        let dir = try Scratch()
        try Self.checkChain(try Self.chain(dir, count: 40, sectors: 2048), count: 40)
    }

    @Test("exFAT labels in 5 logical partitions match blkid", .enabled(if: Capability.has("mkfs.exfat"), "needs mkfs.exfat (exfatprogs)"))
    func exfatLabels() throws {
        let dir = try Scratch()
        let img = try Self.chain(dir, count: 5, sectors: 16384)
        let starts = try InfoCommandTests.sfdisk(img).filter { $0.2 == "83" }
        for (i, s) in starts.enumerated() {
            try InfoCommandTests.place(img, start: s.0, sectors: s.1, mkfs: "mkfs.exfat -L exFAT\(i + 5)held \"$1\"")
        }
        let j = try InfoCommandTests.info(img)
        let parts = try #require(j["partitions"] as? [[String: Any]]).filter { $0["kind"] as? String == "logical" }
        #expect(parts.count == 5)
        for (p, s) in zip(parts, starts) {
            let want = try InfoCommandTests.blkid(img, offset: s.0 * 512)
            let fs = p["filesystem"] as? [String: Any]
            #expect(want["LABEL"] != nil, "blkid gives no label at \(s.0)")
            #expect(fs?["label"] as? String == want["LABEL"], "partition \(p["index"] ?? ""): \(String(describing: fs)) vs \(want)")
            #expect(fs?["uuid"] as? String == want["UUID"])
        }
    }

    @Test("a chain longer than the parser follows is reported, not silently cut")
    func tooLong() throws {
        // sfdisk stops at 60 partitions: forge 300 links, each EBR followed by a 1-sector logical.
        let dir = try Scratch()
        let links = 300
        // 2 MiB of zeros after the chain: the first and last MiB read up front miss every EBR.
        var image = [UInt8](repeating: 0, count: (2048 + 2 * links + 8 + 4096) * 512)
        func entry(_ sector: Int, _ slot: Int, type: UInt8, lba: Int, count: Int) {
            let o = sector * 512 + 446 + slot * 16
            image[o + 4] = type
            for i in 0..<4 {
                image[o + 8 + i] = UInt8(truncatingIfNeeded: lba >> (8 * i))
                image[o + 12 + i] = UInt8(truncatingIfNeeded: count >> (8 * i))
            }
            image[sector * 512 + 510] = 0x55
            image[sector * 512 + 511] = 0xAA
        }
        entry(0, 0, type: 0x05, lba: 2048, count: 2 * links + 4)
        for k in 0..<links {
            let ebr = 2048 + 2 * k
            entry(ebr, 0, type: 0x83, lba: 1, count: 1)
            if k < links - 1 { entry(ebr, 1, type: 0x05, lba: 2 * (k + 1), count: 2) }
        }
        let img = dir.path + "/forged-chain.img"
        try Data(image).write(to: URL(fileURLWithPath: img))
        let j = try InfoCommandTests.info(img)
        let logicals = try #require(j["partitions"] as? [[String: Any]]).filter { $0["kind"] as? String == "logical" }
        #expect(logicals.count == 256)
        let defects = j["defects"] as? [String] ?? []
        #expect(defects.contains { $0.contains("EBR chain longer than 256") }, "\(defects)")
    }
}
