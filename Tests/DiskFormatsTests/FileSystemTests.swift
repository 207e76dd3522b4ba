// Bare file systems (no partition table) made with real tools, checked against blkid -p.
import Foundation
import TestSupport
import Testing
@testable import DiskFormats

private let mib: Int64 = 1 << 20

@Suite struct FileSystemTests {
    /// Makes `command` + image on a sparse file of `megabytes`, probes it, and compares with blkid.
    @discardableResult
    func bare(_ command: [String], megabytes: Int64, type: String,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> DiskLayout {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("fs.img", bytes: megabytes * mib)
        try Subprocess.checked(command[0], Array(command.dropFirst()) + [img])
        let layout = DiskProbe.probe(FileSource(img))
        let values = try blkid(img)
        #expect(values["TYPE"] == type, "blkid sees \(values)", sourceLocation: sourceLocation)
        #expect(layout.scheme == .none, sourceLocation: sourceLocation)
        #expect(layout.partitions.isEmpty, sourceLocation: sourceLocation)
        expectAgrees(layout.filesystem, withBlkid: values, type, sourceLocation: sourceLocation)
        #expect(layout.filesystem.map { $0.size ?? 0 <= megabytes * mib } ?? true, sourceLocation: sourceLocation)
        return layout
    }

    @Test(.enabled(if: Capability.have("mkfs.ext2", "mkfs.ext3", "mkfs.ext4", "blkid"), "needs e2fsprogs and blkid"),
          arguments: ["ext2", "ext3", "ext4"])
    func bareExt(_ type: String) throws {
        let layout = try bare(["mkfs.\(type)", "-q", "-F", "-L", "bare-\(type)"], megabytes: 16, type: type)
        #expect(layout.filesystem?.size == 16 * mib)
        #expect(layout.describe(1024 + 120) == "\(type) superblock › s_volume_name = \"bare-\(type)\"")
    }

    /// blkid names ext by features, not by the mkfs used: no journal and no
    /// ext4-only feature is ext2; any ext4-only feature is ext4.
    @Test(.enabled(if: Capability.have("mkfs.ext4", "blkid"), "needs e2fsprogs and blkid"),
          arguments: [(["mkfs.ext4", "-O", "^has_journal"], "ext4"),
                      (["mkfs.ext2", "-O", "has_journal"], "ext3"), (["mkfs.ext2", "-O", "extent"], "ext4")])
    func extTypeFollowsFeatures(_ command: [String], _ type: String) throws {
        try bare(command + ["-q", "-F"], megabytes: 8, type: type)
    }

    @Test(.enabled(if: Capability.have("mkfs.ext4", "blkid"), "needs e2fsprogs and blkid"))
    func bareExt4With4KBlocksAndNoLabel() throws {
        let layout = try bare(["mkfs.ext4", "-q", "-F", "-b", "4096"], megabytes: 32, type: "ext4")
        #expect(layout.filesystem?.label == nil)
        #expect(layout.filesystem?.blockSize == 4096)
    }

    @Test(.enabled(if: Capability.have("mkfs.vfat", "blkid"), "needs dosfstools and blkid"),
          arguments: [("12", Int64(2)), ("16", Int64(16)), ("32", Int64(40))])
    func bareFAT(_ bits: String, _ megabytes: Int64) throws {
        let layout = try bare(["mkfs.vfat", "-F", bits, "-s", "1", "-n", "FAT\(bits)LBL"], megabytes: megabytes, type: "vfat")
        #expect(layout.filesystem?.version == "FAT\(bits)")
    }

    @Test(.enabled(if: Capability.have("mkfs.vfat", "blkid"), "needs dosfstools and blkid"))
    func fatWithoutLabelHasNoLabel() throws {
        let layout = try bare(["mkfs.vfat", "-F", "16", "-i", "1A2B3C4D"], megabytes: 16, type: "vfat")
        #expect(layout.filesystem?.uuid == "1A2B-3C4D")
        #expect(layout.filesystem?.label == nil)
    }

    /// With the root directory's label entry deleted, blkid reports no LABEL
    /// (only LABEL_FATBOOT from the boot sector), and neither do we.
    @Test(.enabled(if: Capability.have("mkfs.vfat", "blkid"), "needs dosfstools and blkid"))
    func fatBootSectorLabelAloneIsNotTheLabel() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("fat.img", bytes: 16 * mib)
        try Subprocess.checked("mkfs.vfat", ["-F", "16", "-n", "BOOTONLY", img])
        let first = try #require(DiskProbe.probe(FileSource(img)).filesystem)
        #expect(first.label == "BOOTONLY")
        // Mark the first root-directory entry (the label) deleted.
        let boot = try #require(FileSource(img).bytes(at: 0, count: 512))
        let rootDir = (Int(boot[14]) | Int(boot[15]) << 8) + Int(boot[16]) * (Int(boot[22]) | Int(boot[23]) << 8)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: img))
        try handle.seek(toOffset: UInt64(rootDir * 512))
        try handle.write(contentsOf: Data([0xE5]))
        try handle.close()
        let values = try blkid(img)
        #expect(values["LABEL_FATBOOT"] == "BOOTONLY")
        let fs = DiskProbe.probe(FileSource(img)).filesystem
        expectAgrees(fs, withBlkid: values, "vfat")
        #expect(fs?.label == nil)
    }

    @Test(.enabled(if: Capability.have("mkfs.ntfs", "blkid"), "needs ntfs-3g and blkid"))
    func bareNTFS() throws {
        let layout = try bare(["mkfs.ntfs", "-q", "-F", "-Q", "-L", "Données"], megabytes: 16, type: "ntfs")
        #expect(layout.filesystem?.uuid?.count == 16)
    }

    @Test(.enabled(if: Capability.have("mkfs.exfat", "blkid"), "needs exfatprogs and blkid"))
    func bareExFAT() throws {
        try bare(["mkfs.exfat", "-L", "ExLabel"], megabytes: 8, type: "exfat")
    }

    @Test(.enabled(if: Capability.have("mkswap", "blkid"), "needs util-linux mkswap and blkid"))
    func bareSwap() throws {
        let layout = try bare(["mkswap", "-L", "swaplabel"], megabytes: 4, type: "swap")
        #expect(layout.filesystem?.size == 4 * mib)
    }

    @Test(.enabled(if: Capability.have("mkfs.xfs", "blkid"), "needs xfsprogs and blkid"))
    func bareXFS() throws {
        let layout = try bare(["mkfs.xfs", "-q", "-f", "-L", "xfslabel"], megabytes: 300, type: "xfs")
        #expect(layout.filesystem?.size == 300 * mib)
    }

    @Test(.enabled(if: Capability.have("mkfs.btrfs", "blkid"), "needs btrfs-progs and blkid"))
    func bareBtrfs() throws {
        let layout = try bare(["mkfs.btrfs", "-q", "-f", "-L", "btrlabel"], megabytes: 128, type: "btrfs")
        #expect(layout.filesystem?.uuidSub != nil)
    }

    @Test(.enabled(if: Capability.have("cryptsetup", "blkid"), "needs cryptsetup-bin and blkid"))
    func bareLUKS1() throws {
        let dir = try Scratch(base: "/tmp")
        let key = dir.file("key")
        _ = FileManager.default.createFile(atPath: key, contents: Data("secret".utf8))
        let layout = try bare(["cryptsetup", "luksFormat", "-q", "--type", "luks1", "--pbkdf-force-iterations", "1000",
                               "--key-file", key], megabytes: 4, type: "crypto_LUKS")
        #expect(layout.filesystem?.version == "1")
    }

    @Test(.enabled(if: Capability.have("cryptsetup", "blkid"), "needs cryptsetup-bin and blkid"))
    func bareLUKS2() throws {
        let dir = try Scratch(base: "/tmp")
        let key = dir.file("key")
        _ = FileManager.default.createFile(atPath: key, contents: Data("secret".utf8))
        let layout = try bare(["cryptsetup", "luksFormat", "-q", "--type", "luks2", "--pbkdf", "pbkdf2",
                               "--pbkdf-force-iterations", "1000", "--label", "cryptlabel", "--key-file", key],
                              megabytes: 20, type: "crypto_LUKS")
        #expect(layout.filesystem?.version == "2")
        #expect(layout.filesystem?.label == "cryptlabel")
    }

    @Test(.enabled(if: Capability.have("genisoimage", "blkid"), "needs genisoimage and blkid"),
          arguments: [(["-J"], "BLKVIEW_CD"), ([], "BLKVIEW_CD"),
                      (["-J"], "Long_Volume_Label_Of_30_Chars_"), (["-J"], "mixed Case lbl")])
    func iso9660(_ extra: [String], _ label: String) throws {
        let dir = try Scratch(base: "/tmp")
        try FileManager.default.createDirectory(atPath: dir.file("root"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.file("root/hello.txt"), contents: Data("hello\n".utf8))
        let img = dir.file("cd.iso")
        // Joliet keeps only 16 characters of a longer volume id: blkid merges it with the ASCII one.
        try Subprocess.checked("genisoimage", ["-quiet", "-V", label, "-o", img] + extra + [dir.file("root")])
        let layout = DiskProbe.probe(FileSource(img))
        let values = try blkid(img)
        #expect(values["TYPE"] == "iso9660")
        #expect(values["LABEL"] == label)
        expectAgrees(layout.filesystem, withBlkid: values, "iso9660")
        #expect(layout.filesystem?.version == (extra.isEmpty ? nil : "Joliet Extension"))
    }
}
