import Foundation
import TestSupport
import Testing

/// The file-system images of the equality tests, made once (and kept in
/// /var/tmp, keyed by the generator's hash, so that later runs reuse them)
/// by Tests/FileSystemsTests/Fixtures/make-images.sh with the real tools.
enum FileSystemImages {
    static let kinds = ["fat12", "fat16", "fat32", "exfat", "ntfs", "ext2", "ext3", "ext4", "iso9660"]
    static let forms = ["raw", "split", "e01"]

    static let script: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FileSystemsTests/Fixtures/make-images.sh").path
    }()

    static let tools = Capability.have("mkfs.fat", "mcopy", "mkfs.exfat", "mount.exfat-fuse", "mkfs.ntfs", "ntfs-3g", "mkfs.ext4",
                                       "debugfs", "genisoimage", "ewfacquire", "fls", "icat", "ifind", "istat")
        && Capability.fuse && Capability.losetup

    /// The directory holding `<kind>.img`, `<kind>.split.001…`, `<kind>.E01`.
    static let directory: Result<String, TestFailure> = {
        guard let text = try? String(contentsOfFile: script, encoding: .utf8) else { return .failure(TestFailure("no \(script)")) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let dir = "/var/tmp/blkview-fsimages-\(String(h, radix: 16))"
        if FileManager.default.fileExists(atPath: dir + "/done") { return .success(dir) }
        try? FileManager.default.removeItem(atPath: dir)
        let r = Subprocess.run(["bash", script, dir, "2000"])
        guard r.status == 0 else { return .failure(TestFailure("make-images.sh: \(r.stderr.suffix(2000))")) }
        _ = FileManager.default.createFile(atPath: dir + "/done", contents: Data())
        return .success(dir)
    }()

    /// The media path of `kind` in `form`.
    static func media(_ kind: String, _ form: String) throws -> String {
        let dir = try directory.get()
        switch form {
        case "split": return "\(dir)/\(kind).split.001"
        case "e01": return "\(dir)/\(kind).E01"
        default: return "\(dir)/\(kind).img"
        }
    }

    static func raw(_ kind: String) throws -> String { try media(kind, "raw") }

    /// The unit of libtsk's block addresses on `kind` (FAT and exFAT: sectors).
    static func blockSize(_ kind: String) -> Int64 {
        switch kind {
        case "fat12", "fat16", "fat32", "exfat": 512
        case "ntfs": 4096
        case "iso9660": 2048
        default: 1024
        }
    }
}
