// Partition tables made with real tools, checked against sfdisk, sgdisk, fdisk and mmls.
import Foundation
import TestSupport
import Testing
@testable import DiskFormats

private let mib: Int64 = 1 << 20

@Suite struct PartitionTableTests {
    @Test(.enabled(if: Capability.have("sfdisk", "mmls", "blkid", "mkfs.vfat", "mkfs.ext4", "mkfs.ext2", "mkswap"),
                   "needs fdisk (sfdisk), sleuthkit (mmls), dosfstools, e2fsprogs, util-linux (mkswap, blkid)"))
    func mbrWithFAT32Ext4AndLogicals() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("mbr.img", bytes: 128 * mib)
        try Subprocess.checked("sfdisk", ["-q", "--no-reread", img], input: """
            label: dos
            size=40MiB, type=c, bootable
            size=16MiB, type=83
            type=5
            size=16MiB, type=83
            size=8MiB, type=82
            """)
        let table = try sfdisk(img)
        func at(_ index: Int) -> (Int64, Int64) {
            let p = table.partitions.first { $0.index == index }!
            return (p.start * 512, p.size * 512)
        }
        try dir.makeFilesystem(["mkfs.vfat", "-F", "32", "-s", "1", "-n", "BOOTFAT"], bytes: at(1).1, into: img, at: at(1).0)
        try dir.makeFilesystem(["mkfs.ext4", "-q", "-F", "-L", "rootfs"], bytes: at(2).1, into: img, at: at(2).0)
        try dir.makeFilesystem(["mkfs.ext2", "-q", "-F", "-L", "logical5"], bytes: at(5).1, into: img, at: at(5).0)
        try dir.makeFilesystem(["mkswap", "-L", "SWAPPY"], bytes: at(6).1, into: img, at: at(6).0)

        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.sectorSize == 512)
        #expect(layout.defects == [])
        #expect(layout.missingRanges.isEmpty)
        expectAgrees(layout, withSfdisk: table)
        expectAgrees(layout, withMmls: try mmls(img))
        try expectFilesystemsAgreeWithBlkid(layout, image: img)
        #expect(layout.partitions.map { $0.filesystem?.type ?? "-" } == ["vfat", "ext4", "-", "ext2", "swap"])
        #expect(layout.partition(1)?.filesystem?.version == "FAT32")
        #expect(layout.partition(3)?.kind == .extended)
        #expect(layout.partition(5)?.kind == .logical)
        #expect(layout.describe(446 + 8) == "MBR partition 1 › StartingLBA = \(table.partitions[0].start)")
        #expect(layout.describe(at(2).0 + 1024 + 56) == "ext4 superblock › s_magic = 0xEF53")
    }

    /// The GPT made by sgdisk, with ext4, FAT16 and NTFS in it.
    static func makeGPT(_ dir: Scratch, bytes: Int64 = 64 * mib) throws -> String {
        let img = try dir.sparse("gpt.img", bytes: bytes)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+16M", "-t", "1:8300", "-c", "1:rootfs",
                                 "-n", "2:0:+16M", "-t", "2:0700", "-c", "2:fat16", "-A", "2:set:2",
                                 "-n", "3:0:+16M", "-t", "3:0700", "-c", "3:Windows Data", img])
        return img
    }

    @Test(.enabled(if: Capability.have("sgdisk", "sfdisk", "mmls", "blkid", "mkfs.ext4", "mkfs.vfat", "mkfs.ntfs"),
                   "needs gdisk, fdisk, sleuthkit, e2fsprogs, dosfstools, ntfs-3g"))
    func gptWithExt4FAT16AndNTFS() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try Self.makeGPT(dir)
        let table = try sfdisk(img)
        func at(_ index: Int) -> (Int64, Int64) {
            let p = table.partitions.first { $0.index == index }!
            return (p.start * 512, p.size * 512)
        }
        try dir.makeFilesystem(["mkfs.ext4", "-q", "-F", "-L", "rootfs", "-U", "0d9a7a2e-3b1c-4f5e-9d7c-1a2b3c4d5e6f"],
                               bytes: at(1).1, into: img, at: at(1).0)
        try dir.makeFilesystem(["mkfs.vfat", "-F", "16", "-n", "FAT16VOL"], bytes: at(2).1, into: img, at: at(2).0)
        try dir.makeFilesystem(["mkfs.ntfs", "-q", "-F", "-Q", "-L", "Windows Data", "-p", String(at(3).0 / 512)],
                               bytes: at(3).1, into: img, at: at(3).0)

        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.scheme == .gpt)
        #expect(layout.sectorSize == 512)
        #expect(layout.defects == [])
        expectAgrees(layout, withSfdisk: table)
        expectAgrees(layout, withMmls: try mmls(img))
        let rows = try sgdiskRows(img)
        #expect(rows.map(\.index) == layout.partitions.map(\.index))
        for row in rows {
            #expect(layout.partition(row.index)?.start == row.start)
            #expect(layout.partition(row.index)?.end == row.end + 1)
            #expect(layout.partition(row.index)?.name == row.name)
        }
        try expectFilesystemsAgreeWithBlkid(layout, image: img)
        #expect(layout.partitions.map { $0.filesystem?.type ?? "-" } == ["ext4", "vfat", "ntfs"])
        #expect(layout.partition(2)?.bootable == true)  // attribute bit 2, legacy BIOS bootable
        #expect(layout.partition(2)?.filesystem?.version == "FAT16")
        #expect(layout.partition(3)?.filesystem?.label == "Windows Data")
        #expect(layout.describe(512 + 72) == "GPT header › PartitionEntryLBA = 2")
        #expect(layout.describe(1024 + 128 + 32) == "GPT entry 2 › StartingLBA = \(table.partitions[1].start)")
    }

    /// The caller that pre-reads: first and last MiB, then whatever the probe
    /// says is missing, until nothing is. Ends with the same answer as a direct probe.
    @Test(.enabled(if: Capability.have("sgdisk", "mkfs.ext4", "mkfs.vfat", "mkfs.ntfs"),
                   "needs gdisk, e2fsprogs, dosfstools, ntfs-3g"))
    func prefetchedRoundsReachTheDirectAnswer() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try Self.makeGPT(dir)
        try dir.makeFilesystem(["mkfs.ext4", "-q", "-F", "-L", "rootfs"], bytes: 16 * mib, into: img, at: 2048 * 512)
        try dir.makeFilesystem(["mkfs.vfat", "-F", "16", "-n", "FAT16VOL"], bytes: 16 * mib, into: img, at: 34816 * 512)
        try dir.makeFilesystem(["mkfs.ntfs", "-q", "-F", "-Q", "-L", "NTFSVOL"], bytes: 16 * mib, into: img, at: 67584 * 512)
        let file = FileSource(img)
        let direct = DiskProbe.probe(file)
        var source = PrefetchedBytes(size: file.size)
        source.add(file.bytes(at: 0, count: Int(mib))!, at: 0)
        source.add(file.bytes(at: file.size - mib, count: Int(mib))!, at: file.size - mib)
        var layout = DiskProbe.probe(source)
        var rounds = 1
        while !layout.missingRanges.isEmpty && rounds < 5 {
            for range in layout.missingRanges {
                source.add(file.bytes(at: range.offset, count: Int(range.length))!, at: range.offset)
            }
            layout = DiskProbe.probe(source)
            rounds += 1
        }
        #expect(layout.missingRanges.isEmpty)
        #expect(rounds <= 3, "took \(rounds) rounds")
        #expect(layout == direct)
        #expect(layout.partitions.map { $0.filesystem?.label ?? "-" } == ["rootfs", "FAT16VOL", "NTFSVOL"])
    }

    @Test(.enabled(if: Capability.have("fdisk", "mmls", "blkid", "mkfs.ext4", "mkfs.vfat"),
                   "needs fdisk, sleuthkit, e2fsprogs, dosfstools"))
    func gptWith4096ByteSectors() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("gpt4k.img", bytes: 64 * mib)
        // fdisk -b 4096 lays the GPT out in 4096-byte logical sectors, as on a 4Kn disk.
        try Subprocess.checked("fdisk", ["-b", "4096", img], input: "g\nn\n\n\n+16M\nn\n\n\n+16M\nt\n2\n11\nw\n")
        let rows = try fdiskRows(img, sectorSize: 4096)
        #expect(rows.count == 2)
        try dir.makeFilesystem(["mkfs.ext4", "-q", "-F", "-b", "4096", "-L", "four-k"],
                               bytes: rows[0].size * 4096, into: img, at: rows[0].start * 4096)
        try dir.makeFilesystem(["mkfs.vfat", "-S", "4096", "-n", "FOURKFAT"],
                               bytes: rows[1].size * 4096, into: img, at: rows[1].start * 4096)

        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.scheme == .gpt)
        #expect(layout.sectorSize == 4096)
        #expect(layout.defects == [])
        for row in rows {
            let p = layout.partition(row.index)
            #expect(p?.start == row.start)
            #expect(p?.size == row.size)
            #expect(p?.type == row.type)
            #expect(p?.guid == row.uuid)
        }
        #expect(layout.partitions.map { $0.filesystem?.type ?? "-" } == ["ext4", "vfat"])
        #expect(layout.partition(2)?.typeName == "Microsoft basic data")
        expectAgrees(layout, withMmls: try mmls(img, sectorSize: 4096))
        try expectFilesystemsAgreeWithBlkid(layout, image: img)
        #expect(layout.describe(4096 + 72) == "GPT header › PartitionEntryLBA = 2")
        // An image of a 4Kn disk reports 512-byte sectors: the hint must not hide the GPT.
        #expect(DiskProbe.probe(FileSource(img), logicalSectorSize: 512).sectorSize == 4096)
    }

    @Test(.enabled(if: Capability.have("sgdisk", "sfdisk"), "needs gdisk and fdisk"))
    func gptWithBackupTruncatedAway() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("cut.img", bytes: 32 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+8M", "-c", "1:first", "-n", "2:0:+8M", "-c", "2:second", img])
        let before = try sfdisk(img)
        guard truncate(img, off_t(31 * mib)) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let layout = DiskProbe.probe(FileSource(img))
        expectAgrees(layout, withSfdisk: before)
        #expect(layout.defects.contains { $0.hasPrefix("backup GPT header missing") }, "\(layout.defects)")
        // sgdisk agrees something is wrong with the backup.
        let verify = try Subprocess.run("sgdisk", ["-v", img], environment: ["LC_ALL": "C.UTF-8"])
        #expect(!verify.stdout.contains("No problems found"))
    }

    @Test(.enabled(if: Capability.have("sgdisk", "sfdisk"), "needs gdisk and fdisk"))
    func damagedPrimaryGPTFallsBackToBackup() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("bad.img", bytes: 32 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+8M", "-c", "1:alpha", img])
        let before = try sfdisk(img)
        // Corrupt the primary array (first entry's name), leaving its CRC stale.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: img))
        try handle.seek(toOffset: 1024 + 56)
        try handle.write(contentsOf: Data("Z".utf8))
        try handle.close()
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.defects.contains("primary GPT partition array: bad CRC"))
        #expect(layout.defects.contains("using the backup GPT partition array"))
        #expect(layout.partition(1)?.name == "alpha")
        #expect(layout.partition(1)?.start == before.partitions[0].start)
        let verify = try Subprocess.run("sgdisk", ["-v", img], environment: ["LC_ALL": "C.UTF-8"])
        #expect(!verify.stdout.contains("No problems found"))
    }
}
