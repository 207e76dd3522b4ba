// Checksums against the values real tools write, and fixes that real
// checkers (sgdisk -v, e2fsck -fn, fsck.exfat -n, cryptsetup) accept.
import Foundation
import TestSupport
import Testing
@testable import DiskFormats

private let mib: Int64 = 1 << 20

/// Writes `patches` into the file at `path`.
private func apply(_ patches: [Int64: UInt8], to path: String) throws {
    let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? h.close() }
    for (o, v) in patches {
        try h.seek(toOffset: UInt64(o))
        try h.write(contentsOf: [v])
    }
}

/// `text` as the bytes of a field at `offset`: UTF-8 (or UTF-16LE) padded with zeros to `length`.
private func field(_ text: String, at offset: Int64, length: Int, utf16: Bool = false) -> [Int64: UInt8] {
    var b = utf16 ? text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } : Array(text.utf8)
    b += [UInt8](repeating: 0, count: length - b.count)
    return Dictionary(uniqueKeysWithValues: b.enumerated().map { (offset + Int64($0.offset), $0.element) })
}

@Suite struct ChecksumTests {
    /// The specs of an image, all checked against the values its tools wrote.
    func specs(_ img: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ChecksumSpec] {
        let src = FileSource(img)
        let layout = DiskProbe.probe(src)
        let (specs, missing) = ChecksumCatalog.specs(for: layout, in: src)
        #expect(missing.isEmpty, sourceLocation: sourceLocation)
        for spec in specs {
            let status = spec.evaluate(src)
            #expect(status?.matches == true, "\(status?.mismatchDescription ?? spec.title + " unreadable")", sourceLocation: sourceLocation)
        }
        return specs
    }

    @Test func ext4ChecksumIsCRC32CWithSeedNotInverted() {
        // ext4_chksum(~0, "123456789") without the final inversion: ~0xE3069283.
        let spec = ChecksumSpec(name: "t", kind: .ext4CRC32C, covered: [ByteRange(offset: 0, length: 9)],
                                field: ByteRange(offset: 9, length: 4))
        let status = spec.evaluate(PrefetchedBytes(image: Array("123456789".utf8) + [0, 0, 0, 0]))
        #expect(status?.computed == ChecksumSpec.le32(~UInt32(0xE306_9283)))
    }

    @Test(.enabled(if: Capability.have("sfdisk", "sgdisk"), "needs sfdisk and sgdisk"))
    func gptCRCsMatchSfdiskAndANameEditKeepsSgdiskClean() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("gpt.img", bytes: 16 * mib)
        try Subprocess.checked("sfdisk", ["-q", img], input: "label: gpt\nsize=4MiB, name=first\nsize=4MiB, name=second\n")
        let specs = specs(img)
        #expect(specs.map(\.title) == ["primary GPT partition array CRC-32", "primary GPT header CRC-32",
                                       "backup GPT partition array CRC-32", "backup GPT header CRC-32"])
        // Rename partition 2 in the primary array (entry 2 at LBA 2 + 128, name at +56).
        let name = field("renamed", at: 2 * 512 + 128 + 56, length: 72, utf16: true)
        let impacts = try #require(ChecksumCatalog.impacts(specs, original: FileSource(img), patches: name))
        #expect(impacts.map(\.spec.title) == specs.map(\.title))
        #expect(impacts.allSatisfy { $0.matchedBefore })
        #expect(impacts[0].mirrors)
        let copy = dir.file("declined.img")
        try Subprocess.checked("cp", ["--sparse=always", img, copy])
        try apply(name, to: copy)
        #expect(try Subprocess.run("sgdisk", ["-v", copy]).stdout.contains("No problems found") == false)
        try apply(name.merging(impacts.reduce(into: [:]) { $0.merge($1.fix) { _, b in b } }) { _, b in b }, to: img)
        let verify = try Subprocess.run("sgdisk", ["-v", img])
        #expect(verify.stdout.contains("No problems found"), "\(verify.stdout)")
        #expect(try Subprocess.checked("sfdisk", ["-J", img]).stdout.contains("\"name\": \"renamed\""))
        _ = self.specs(img)
    }

    @Test(.enabled(if: Capability.have("sfdisk", "sgdisk"), "needs sfdisk and sgdisk"))
    func anEditToTheBackupArrayIsCopiedIntoThePrimary() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("gpt.img", bytes: 16 * mib)
        try Subprocess.checked("sfdisk", ["-q", img], input: "label: gpt\nsize=4MiB, name=first\n")
        let specs = specs(img)
        // The backup array sits before the backup header: 32 sectors before the last one.
        let backupArray = try #require(specs.first { $0.name == "backup GPT partition array" }?.covered.first)
        let name = field("back", at: backupArray.offset + 56, length: 72, utf16: true)
        let impacts = try #require(ChecksumCatalog.impacts(specs, original: FileSource(img), patches: name))
        #expect(Set(impacts.map(\.spec.title)) == Set(specs.map(\.title)), "all four CRCs, the primary's after the copy")
        try apply(impacts.reduce(into: name) { $0.merge($1.fix) { _, b in b } }, to: img)
        let verify = try Subprocess.run("sgdisk", ["-v", img])
        #expect(verify.stdout.contains("No problems found"), "\(verify.stdout)")
        #expect(try Subprocess.checked("sfdisk", ["-J", img]).stdout.contains("\"name\": \"back\""))
    }

    @Test(.enabled(if: Capability.have("mkfs.ext4", "e2label", "e2fsck"), "needs e2fsprogs"))
    func ext4SuperblockChecksumMatchesE2fsprogs() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("ext4.img", bytes: 16 * mib)
        try Subprocess.checked("mkfs.ext4", ["-q", "-F", "-L", "before", img])
        #expect(specs(img).map(\.title) == ["ext4 superblock at 0x400 crc32c"])
        // e2label rewrites the label and the checksum: ours agrees with the new value.
        try Subprocess.checked("e2label", [img, "relabelled"])
        let specs = specs(img)
        let label = field("mine", at: 1024 + 0x78, length: 16)
        let impacts = try #require(ChecksumCatalog.impacts(specs, original: FileSource(img), patches: label))
        #expect(impacts.count == 1 && impacts[0].fix.count == 4 && impacts[0].matchedBefore)
        let declined = dir.file("declined.img")
        try Subprocess.checked("cp", ["--sparse=always", img, declined])
        try apply(label, to: declined)
        let bad = try Subprocess.run("e2fsck", ["-fn", declined])
        #expect(bad.status != 0 && (bad.stdout + bad.stderr).contains("checksum"), "\(bad.stdout)\(bad.stderr)")
        try apply(label.merging(impacts[0].fix) { _, b in b }, to: img)
        let good = try Subprocess.run("e2fsck", ["-fn", img])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(try Subprocess.checked("e2label", [img]).trimmed == "mine")
    }

    @Test(.enabled(if: Capability.have("mkfs.exfat", "tune.exfat", "fsck.exfat"), "needs exfatprogs"))
    func exfatBootChecksumsMatchExfatprogs() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("exfat.img", bytes: 16 * mib)
        try Subprocess.checked("mkfs.exfat", [img])
        try Subprocess.checked("tune.exfat", ["-I", "0x1234abcd", img])
        let specs = specs(img)
        #expect(specs.count == 2)
        // A new volume serial (boot sector +100) in the main boot region.
        let serial: [Int64: UInt8] = [100: 0x78, 101: 0x56, 102: 0x34, 103: 0x12]
        let impacts = try #require(ChecksumCatalog.impacts(specs, original: FileSource(img), patches: serial))
        #expect(impacts.map(\.spec.title) == [specs[0].title])
        #expect(impacts[0].fix.count == 512)
        try apply(serial.merging(impacts[0].fix) { _, b in b }, to: img)
        let check = try Subprocess.run("fsck.exfat", ["-n", img])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        _ = self.specs(img)
    }

    @Test(.enabled(if: Capability.have("cryptsetup"), "needs cryptsetup"))
    func luks2HeaderChecksumsMatchCryptsetup() throws {
        let dir = try Scratch(base: "/tmp")
        let img = try dir.sparse("luks.img", bytes: 20 * mib)
        let key = try dir.write("key", Array("secret".utf8))
        try Subprocess.checked("cryptsetup", ["luksFormat", "--type", "luks2", "-q", "--pbkdf", "pbkdf2",
                                              "--pbkdf-force-iterations", "1000", "--key-file", key, img])
        try Subprocess.checked("cryptsetup", ["config", "--label", "tools", img])
        let specs = specs(img)
        #expect(specs.map(\.title) == ["LUKS2 primary header at 0x0 sha256", "LUKS2 secondary header at 0x4000 sha256"])
        // The label (offset 24, 48 bytes) of both headers, with both checksums fixed.
        let label = field("mine", at: 24, length: 48).merging(field("mine", at: 0x4000 + 24, length: 48)) { a, _ in a }
        let impacts = try #require(ChecksumCatalog.impacts(specs, original: FileSource(img), patches: label))
        #expect(impacts.count == 2)
        try apply(impacts.reduce(into: label) { $0.merge($1.fix) { _, b in b } }, to: img)
        let dump = try Subprocess.checked("cryptsetup", ["luksDump", img]).stdout
        #expect(dump.contains("Label:          \tmine") || dump.contains("Label:\tmine") || dump.range(of: #"Label:\s+mine"#, options: .regularExpression) != nil, "\(dump)")
        _ = self.specs(img)
    }
}
