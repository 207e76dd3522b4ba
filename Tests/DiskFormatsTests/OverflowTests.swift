// Real tables and superblocks (sgdisk, mkfs) forged with extreme values: a defect, never a trap.
import Foundation
import TestSupport
import Testing
@testable import DiskFormats

private let mib: Int64 = 1 << 20

@Suite struct OverflowTests {
    /// Overwrites `value` little-endian (`width` bytes) at `offset` of the file.
    static func poke(_ path: String, at offset: Int64, _ value: UInt64, width: Int, bigEndian: Bool = false) throws {
        var bytes = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        if bigEndian { bytes.reverse() }
        try write(path, at: offset, bytes)
    }

    static func write(_ path: String, at offset: Int64, _ bytes: [UInt8]) throws {
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seek(toOffset: UInt64(offset))
        try h.write(contentsOf: Data(bytes))
    }

    static func read(_ path: String, at offset: Int64, count: Int) throws -> [UInt8] {
        let h = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seek(toOffset: UInt64(offset))
        return [UInt8](try h.read(upToCount: count) ?? Data())
    }

    /// Recomputes the primary GPT's array and header CRCs (128 entries at LBA 2).
    static func fixPrimaryCRCs(_ img: String) throws {
        let array = try read(img, at: 1024, count: 128 * 128)
        try poke(img, at: 512 + 88, UInt64(CRC32.checksum(array)), width: 4)
        var header = try read(img, at: 512, count: 92)
        for i in 16..<20 { header[i] = 0 }
        try poke(img, at: 512 + 16, UInt64(CRC32.checksum(header)), width: 4)
    }

    @Test(.enabled(if: Capability.have("sgdisk"), "needs gdisk"))
    func gptEntryAt2To55IsADefect() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("gpt.img", bytes: 16 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+4M", "-n", "2:12288:+2M", img])
        // Entry 1: StartingLBA 2^55, EndingLBA 2^55 + 10; CRCs made valid again.
        try Self.poke(img, at: 1024 + 32, 1 << 55, width: 8)
        try Self.poke(img, at: 1024 + 40, (1 << 55) + 10, width: 8)
        try Self.fixPrimaryCRCs(img)
        let layout = DiskProbe.probe(FileSource(img))
        let p1 = try #require(layout.partition(1))
        #expect(p1.start == 1 << 55)
        #expect(p1.byteRange(sectorSize: 512) == nil)
        #expect(layout.partition(2)?.byteRange(sectorSize: 512) == Int64(12288 * 512)..<Int64((12288 + 4096) * 512))
        #expect(layout.defects.contains("partition 1: sectors \(Int64(1) << 55)+11 at 512 bytes overflow a 64-bit byte offset"),
                "\(layout.defects)")
        _ = layout.byteRange(of: p1)  // the saturating accessor stays total
    }

    @Test(.enabled(if: Capability.have("sgdisk"), "needs gdisk"))
    func gptEntryPastInt64IsADefect() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("gpt.img", bytes: 16 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+4M", img])
        try Self.poke(img, at: 1024 + 32, UInt64.max - 5, width: 8)
        try Self.poke(img, at: 1024 + 40, UInt64.max, width: 8)
        try Self.fixPrimaryCRCs(img)
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.defects.contains { $0.hasPrefix("partition 1: sectors") && $0.contains("overflow") }, "\(layout.defects)")
    }

    @Test(.enabled(if: Capability.have("sgdisk"), "needs gdisk"))
    func gptArrayLBAOverflowIsNamed() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("gpt.img", bytes: 16 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+4M", img])
        try Self.poke(img, at: 512 + 72, 1 << 60, width: 8)  // PartitionEntryLBA
        try Self.fixPrimaryCRCs(img)
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.defects.contains { $0.contains("PartitionEntryLBA \(UInt64(1) << 60) × 512 bytes overflows") },
                "\(layout.defects)")
        #expect(layout.partition(1) != nil)  // from the backup array
    }

    @Test(.enabled(if: Capability.have("mkfs.ext4"), "needs e2fsprogs"))
    func extBlockCountOverflowIsADefect() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("ext4.img", bytes: 8 * mib)
        try Subprocess.checked("mkfs.ext4", ["-q", "-O", "64bit", img])
        try Self.poke(img, at: 1024 + 0x150, 0xFFFF_FFFF, width: 4)  // s_blocks_count_hi
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.filesystem?.type == "ext4")
        #expect(layout.filesystem?.size == nil)
        #expect(layout.defects.contains { $0.hasPrefix("ext4 superblock at 1024: s_blocks_count") && $0.contains("overflows") },
                "\(layout.defects)")
    }

    @Test(.enabled(if: Capability.have("mkfs.xfs"), "needs xfsprogs"))
    func xfsBlockCountOverflowIsADefect() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("xfs.img", bytes: 300 * mib)
        try Subprocess.checked("mkfs.xfs", ["-q", img])
        try Self.poke(img, at: 8, UInt64(1) << 62, width: 8, bigEndian: true)  // sb_dblocks
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.filesystem?.type == "xfs")
        #expect(layout.defects.contains { $0.hasPrefix("XFS superblock at 0: sb_dblocks") }, "\(layout.defects)")
    }

    @Test(.enabled(if: Capability.have("sfdisk", "mkfs.exfat"), "needs sfdisk and exfatprogs"))
    func mbrWithExfatVolumeLengthOverflow() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("mbr.img", bytes: 40 * mib)
        try Subprocess.checked("sfdisk", ["-q", img], input: "label: dos\nstart=2048, size=32768, type=7\n")
        try dir.makeFilesystem(["mkfs.exfat"], bytes: 16 * mib, into: img, at: 2048 * 512)
        try Self.poke(img, at: 2048 * 512 + 72, UInt64.max, width: 8)  // VolumeLength
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.partition(1)?.filesystem?.type == "exfat")
        #expect(layout.defects.contains { $0.hasPrefix("exFAT boot sector at \(2048 * 512): VolumeLength") }, "\(layout.defects)")
    }

    @Test(.enabled(if: Capability.have("mkfs.exfat"), "needs exfatprogs"))
    func exfatRootDirectoryPastTheEndIsADefect() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("exfat.img", bytes: 16 * mib)
        try Subprocess.checked("mkfs.exfat", ["-L", "keep", img])
        #expect(DiskProbe.probe(FileSource(img)).filesystem?.label == "keep")
        try Self.poke(img, at: 96, 0xFFFF_FFF0, width: 4)  // FirstClusterOfRootDirectory
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.filesystem?.type == "exfat")
        #expect(layout.filesystem?.label == nil)
        #expect(layout.defects.contains { $0.hasPrefix("exFAT boot sector at 0: root directory at +") }, "\(layout.defects)")
    }

    @Test(.enabled(if: Capability.have("mkfs.ntfs"), "needs ntfs-3g"))
    func ntfsMftClusterOverflowIsADefect() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("ntfs.img", bytes: 16 * mib)
        try Subprocess.checked("mkfs.ntfs", ["-q", "-F", "-f", "-L", "keep", img])
        try Self.poke(img, at: 48, UInt64(1) << 62, width: 8)  // mft_lcn
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.filesystem?.type == "ntfs")
        #expect(layout.defects.contains { $0.hasPrefix("NTFS boot sector at 0: mft_lcn \(UInt64(1) << 62)") }, "\(layout.defects)")
    }

    /// Adjacent chunks join (a range across both is answered); newer bytes still win.
    @Test func prefetchedChunksJoinWithoutLosingNewerBytes() {
        var p = PrefetchedBytes(size: 4096)
        p.add([UInt8](repeating: 1, count: 512), at: 0)
        p.add([UInt8](repeating: 2, count: 512), at: 512)
        #expect(p.bytes(at: 256, count: 512) == [UInt8](repeating: 1, count: 256) + [UInt8](repeating: 2, count: 256))
        p.add([UInt8](repeating: 3, count: 512), at: 2048)
        p.add([UInt8](repeating: 4, count: 512), at: 1536)  // precedes the chunk at 2048
        #expect(p.bytes(at: 1536, count: 1024) == [UInt8](repeating: 4, count: 512) + [UInt8](repeating: 3, count: 512))
        // Newer bytes at 768..<1280; bytes added at 1024..<1536 touch older chunks at both
        // ends but overlap the newer ones: they must not join an older chunk and sink below them.
        p.add([UInt8](repeating: 5, count: 512), at: 768)
        p.add([UInt8](repeating: 6, count: 512), at: 1024)
        #expect(p.bytes(at: 1100, count: 16) == [UInt8](repeating: 6, count: 16))
        #expect(p.bytes(at: 800, count: 16) == [UInt8](repeating: 5, count: 16))
        #expect(p.bytes(at: 4000, count: 200) == nil)
    }
}
