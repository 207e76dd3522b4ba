// The pure parts of the lost-partition scan: offsets, confirmation by
// backups on real file systems, overlap resolution and the sfdisk script.
import Foundation
import TestSupport
import Testing
@testable import DiskFormats

private let mib: Int64 = 1 << 20

@Suite struct PartitionScanTests {
    @Test func offsetsAreMiBThenCylinderBoundariesInOrder() {
        let all = Array(ScanOffsets(size: 20 * mib))
        #expect(all == all.sorted() && Set(all).count == all.count)
        #expect(all.prefix(4) == [0, 32256, mib, 2 * mib])
        #expect(all.contains(8_225_280) && all.contains(8_225_280 + 32256))
        #expect(all.count == 20 + 3 + 3 - 1)  // MiBs, cylinders 0–2 and their +63, offset 0 once
        var after = ScanOffsets(size: 20 * mib, from: 8_225_280 + 1).makeIterator()
        let firstAfter: Int64? = after.next()
        #expect(firstAfter == Int64(8_257_536))
        #expect(ScanOffsets.isCylinderStart(2 * 8_225_280 + 32256))
    }

    /// `mkfs` on a file placed at `offset` of a sparse image of `megabytes`.
    func image(_ dir: Scratch, _ command: [String], bytes: Int64, at offset: Int64, megabytes: Int64 = 64) throws -> String {
        let img = try dir.sparse("disk.img", bytes: megabytes * mib)
        try dir.makeFilesystem(command, bytes: bytes, into: img, at: offset)
        return img
    }

    /// Examines like the driver: windows first, then what is missing, from the file.
    func examine(_ img: String, at offset: Int64) -> ScanCandidate? {
        let file = FileSource(img)
        var bytes = PrefetchedBytes(size: file.size)
        for w in PartitionScan.windows {
            if let b = file.bytes(at: offset + w.offset, count: Int(w.length)) { bytes.add(b, at: offset + w.offset) }
        }
        var ex = PartitionScan.examine(bytes, at: offset)
        for _ in 0..<4 where ex.candidate != nil && !ex.missing.isEmpty {
            for m in ex.missing { if let b = file.bytes(at: m.offset, count: Int(m.length)) { bytes.add(b, at: m.offset) } }
            ex = PartitionScan.examine(bytes, at: offset)
        }
        #expect(ex.missing.isEmpty)
        return ex.candidate
    }

    @Test(.enabled(if: Capability.have("mkfs.ntfs"), "needs ntfs-3g"))
    func ntfsIsConfirmedByItsBackupBootSectorAndSizedPastIt() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try image(dir, ["mkfs.ntfs", "-q", "-Q", "-F", "-L", "win"], bytes: 16 * mib, at: 2 * mib, megabytes: 20)
        let c = try #require(examine(img, at: 2 * mib))
        #expect(c.filesystem.type == "ntfs" && c.filesystem.label == "win")
        #expect(c.size == 16 * mib, "the backup boot sector is the partition's last sector")
        #expect(c.confidence == 90)
        #expect(c.evidence.contains("backup boot sector at the end matches"))
        // The backup boot sector alone, at the end: an NTFS whose volume runs past the media.
        let tail = try #require(examine(img, at: 18 * mib - 512))
        #expect(tail.confidence < 50, "\(tail.evidence)")
    }

    @Test(.enabled(if: Capability.have("mkfs.fat", "mkfs.ext4", "mkfs.exfat", "mkfs.xfs"), "needs dosfstools, e2fsprogs, exfatprogs, xfsprogs"),
          arguments: [(["mkfs.fat", "-F32"], Int64(40), "backup boot sector at sector 6 matches"),
                      (["mkfs.ext4", "-q", "-F"], Int64(16), "backup superblock of group 1 matches"),
                      (["mkfs.exfat"], Int64(16), "exFAT backup boot region at 0x101800 boot checksum matches"),
                      (["mkfs.xfs", "-q", "-f"], Int64(320), "secondary superblock of AG 1 matches")])
    func backupsConfirm(_ command: [String], _ megabytes: Int64, _ evidence: String) throws {
        let dir = try Scratch(base: "/tmp")
        let img = try image(dir, command, bytes: megabytes * mib, at: mib, megabytes: megabytes + 2)
        let c = try #require(examine(img, at: mib))
        #expect(c.size == megabytes * mib)
        #expect(c.confidence >= 90, "\(c.evidence)")
        #expect(c.evidence.contains(evidence), "\(c.evidence)")
    }

    @Test func aCandidateInsideAnotherIsDemotedAndLeftOutOfTheTable() {
        let outer = ScanCandidate(offset: mib, size: 64 * mib, filesystem: FileSystemInfo(type: "ext4", offset: mib), confidence: 100)
        let inner = ScanCandidate(offset: 9 * mib, size: mib, filesystem: FileSystemInfo(type: "vfat", offset: 9 * mib), confidence: 90)
        let next = ScanCandidate(offset: 65 * mib, size: mib, filesystem: FileSystemInfo(type: "vfat", offset: 65 * mib), confidence: 60)
        let resolved = PartitionScan.resolve([next, inner, outer])
        #expect(resolved.map(\.offset) == [mib, 9 * mib, 65 * mib])
        #expect(resolved[1].inside == mib && resolved[1].confidence == 45)
        #expect(PartitionScan.partitions(resolved).map(\.offset) == [mib, 65 * mib])
    }

    @Test func scriptIsDosUnlessGPTIsCalledFor() {
        func candidate(_ i: Int) -> ScanCandidate {
            let at = Int64(1 + 3 * i) * mib
            let fs = FileSystemInfo(type: i == 0 ? "vfat" : "ext4", version: i == 0 ? "FAT32" : nil, label: "p\(i)", offset: at)
            return ScanCandidate(offset: at, size: 2 * mib, filesystem: fs, confidence: 90)
        }
        let parts = (0..<5).map(candidate)
        let dos = PartitionScan.sfdiskScript(parts, size: 64 * mib, sectorSize: 512, gpt: false, source: "d.img")
        #expect(dos.label == "dos")
        #expect(dos.text.contains("blkview never writes a partition table"))
        let expected = """
            label: dos
            unit: sectors
            sector-size: 512

            start=2048, size=4096, type=c
            start=8192, size=4096, type=83
            start=14336, size=4096, type=83
            start=18432, size=12288, type=5
            start=20480, size=4096, type=83
            start=26624, size=4096, type=83

            """
        #expect(dos.text.hasSuffix(expected), "\(dos.text)")
        let gpt = PartitionScan.sfdiskScript(parts, size: 64 * mib, sectorSize: 512, gpt: true, source: "d.img")
        #expect(gpt.text.contains("start=2048, size=4096, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"p0\"\n"))
        // Packed logical partitions leave no room for their EBRs: GPT, and the notes say why.
        let packed = (0..<5).map { i in
            ScanCandidate(offset: Int64(1 + 2 * i) * mib, size: 2 * mib, filesystem: FileSystemInfo(type: "ext4", offset: 0), confidence: 90)
        }
        let forced = PartitionScan.sfdiskScript(packed, size: 64 * mib, sectorSize: 512, gpt: false, source: "d.img")
        #expect(forced.label == "gpt" && forced.notes.count == 1)
        // Over 2 TiB: GPT whatever was asked.
        #expect(PartitionScan.sfdiskScript(Array(parts.prefix(1)), size: 3 << 40, sectorSize: 512, gpt: false, source: "d").label == "gpt")
    }

    @Test func gptRemnantsAreTheProtectiveMBROrAHeaderSignature() {
        var image = [UInt8](repeating: 0, count: 64 * 1024)
        #expect(PartitionScan.gptRemnants(PrefetchedBytes(image: image)).isEmpty)
        image[446 + 4] = 0xEE
        image[510] = 0x55
        image[511] = 0xAA
        #expect(PartitionScan.gptRemnants(PrefetchedBytes(image: image)) == ["protective MBR (type 0xEE) in sector 0"])
        image[446 + 4] = 0
        image.replaceSubrange((image.count - 512)..<(image.count - 504), with: Array("EFI PART".utf8))
        #expect(PartitionScan.gptRemnants(PrefetchedBytes(image: image)) == ["backup GPT header signature in the last sector (512-byte sectors)"])
    }

    @Test func mightStartIsCheapAndMissesNoMagic() {
        var chunk = [UInt8](repeating: 0, count: 0x20000)
        #expect(!PartitionScan.mightStart(chunk, at: 0))
        chunk[1024 + 56] = 0x53
        chunk[1024 + 57] = 0xEF
        #expect(PartitionScan.mightStart(chunk, at: 0))
        #expect(PartitionScan.mightStart(chunk, at: chunk.count - 512), "bytes past the chunk are unknown")
    }
}
