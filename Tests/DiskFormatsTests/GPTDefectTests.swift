// GPT defects made from real sgdisk images: a mismatched backup, a grown image, a bad backup array.
import Foundation
import TestSupport
import Testing
@testable import DiskFormats

private let mib: Int64 = 1 << 20

@Suite struct GPTDefectTests {
    /// Copies `length` bytes at `offset` from one file into another.
    func copyBytes(from source: String, to target: String, offset: Int64, length: Int) throws {
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
        let output = try FileHandle(forUpdating: URL(fileURLWithPath: target))
        defer { try? input.close(); try? output.close() }
        try input.seek(toOffset: UInt64(offset))
        let data = try input.read(upToCount: length) ?? Data()
        try output.seek(toOffset: UInt64(offset))
        try output.write(contentsOf: data)
    }

    @Test(.enabled(if: Capability.have("sgdisk"), "needs gdisk"))
    func backupFromAnotherDiskIsAMismatch() throws {
        let dir = try Scratch(base: "/tmp")
        let a = try dir.sparse("a.img", bytes: 16 * mib), b = try dir.sparse("b.img", bytes: 16 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+4M", "-c", "1:one", a])
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+6M", "-c", "1:other", b])
        // Both backup headers are valid (own CRC) but they describe different disks.
        try copyBytes(from: b, to: a, offset: 16 * mib - 512, length: 512)
        let layout = DiskProbe.probe(FileSource(a))
        #expect(layout.defects.contains { $0.hasPrefix("backup GPT header does not match the primary") && $0.contains("DiskGUID") },
                "\(layout.defects)")
        #expect(layout.partition(1)?.name == "one")
        let verify = try Subprocess.run("sgdisk", ["-v", a], environment: ["LC_ALL": "C.UTF-8"])
        #expect(!verify.stdout.contains("No problems found"))
    }

    @Test(.enabled(if: Capability.have("sgdisk"), "needs gdisk"))
    func grownImageHasBackupBeforeTheEnd() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("grown.img", bytes: 16 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+4M", img])
        guard truncate(img, off_t(20 * mib)) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.defects == ["backup GPT header is at LBA \(16 * mib / 512 - 1), not at the last LBA \(20 * mib / 512 - 1)"])
        let verify = try Subprocess.run("sgdisk", ["-v", img], environment: ["LC_ALL": "C.UTF-8"])
        #expect(!verify.stdout.contains("No problems found"))
    }

    @Test(.enabled(if: Capability.have("sgdisk"), "needs gdisk"))
    func corruptBackupArrayIsReported() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("bk.img", bytes: 16 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+4M", "-c", "1:keep", img])
        // The backup array sits in the 32 sectors before the backup header.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: img))
        try handle.seek(toOffset: UInt64(16 * mib - 33 * 512 + 60))
        try handle.write(contentsOf: Data("!".utf8))
        try handle.close()
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.defects.contains("backup GPT partition array: bad CRC"), "\(layout.defects)")
        #expect(layout.partition(1)?.name == "keep")
    }

    @Test(.enabled(if: Capability.have("sgdisk"), "needs gdisk"))
    func fieldsAreNamedForTheViewer() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("f.img", bytes: 16 * mib)
        try Subprocess.checked("sgdisk", ["-o", "-n", "1:2048:+4M", "-c", "1:named", img])
        let layout = DiskProbe.probe(FileSource(img))
        #expect(layout.describe(512) == "GPT header › Signature = \"EFI PART\"")
        #expect(layout.describe(512 + 16)?.hasSuffix("(ok)") == true)
        #expect(layout.describe(1024 + 56) == "GPT entry 1 › PartitionName = \"named\"")
        #expect(layout.describe(1024 + 128 * 5) == "GPT partition array")
        #expect(layout.describe(16 * mib - 512 + 24) == "GPT backup header › MyLBA = \(16 * mib / 512 - 1)")
        let p = try #require(layout.partition(1))
        #expect(layout.byteRange(of: p) == ByteRange(offset: 2048 * 512, length: 4 * mib))
    }
}
