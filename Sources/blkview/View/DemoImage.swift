import Foundation

/// The demo disk shipped as `Resources/demo.img.xz` (made by
/// `scripts/make-demo-image.sh` with sfdisk, mkfs.vfat and mkfs.ext4),
/// unpacked once into the user's cache directory — never into the repo.
enum DemoImage {
    static func path() throws -> String {
        let compressed = try locate()
        let env = ProcessInfo.processInfo.environment
        let cacheHome = env["XDG_CACHE_HOME"] ?? ((env["HOME"] ?? NSTemporaryDirectory()) + "/.cache")
        let dir = cacheHome + "/blkview"
        let out = dir + "/demo.img"
        let fm = FileManager.default
        let srcDate = (try? fm.attributesOfItem(atPath: compressed)[.modificationDate] as? Date) ?? Date.distantPast
        if let d = try? fm.attributesOfItem(atPath: out)[.modificationDate] as? Date, d >= srcDate {
            return out
        }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = out + ".partial"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "xz -dc \"$1\" > \"$2\"", "sh", compressed, tmp]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            try? fm.removeItem(atPath: tmp)
            throw CLIError("cannot unpack the demo image \(compressed) (is xz installed? apt-get install xz-utils)")
        }
        _ = try? fm.removeItem(atPath: out)
        try fm.moveItem(atPath: tmp, toPath: out)
        return out
    }

    /// Resources/ of the checkout this binary was built from, else beside the binary.
    private static func locate() throws -> String {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [repo.appendingPathComponent("Resources/demo.img.xz").path,
                          exe.appendingPathComponent("../share/blkview/demo.img.xz").path]
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw CLIError("the demo image is missing (looked in \(candidates.joined(separator: ", "))); make it with scripts/make-demo-image.sh")
    }
}
