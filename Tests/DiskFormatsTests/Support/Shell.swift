// Running the real tools (mkfs.*, sfdisk, blkid, …) from the tests.
import Foundation
import TestSubprocess

/// What a finished tool printed.
struct ToolOutput {
    var status: Int32
    var out: String
    var err: String
}

/// Failure to run a tool, with what it said.
struct ToolError: Error, CustomStringConvertible {
    var command: String
    var output: ToolOutput
    var description: String { "`\(command)` exited \(output.status): \(output.err)\(output.out)" }
}

enum Shell {
    static let directories = ((ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init))
        + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The tool's full path, or `nil` when it is not installed.
    static func which(_ name: String) -> String? {
        directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool` with `args`, feeding `input`; throws on a non-zero exit unless `check` is false.
    @discardableResult
    static func run(_ tool: String, _ args: [String], input: String? = nil, cwd: String? = nil,
                    check: Bool = true) throws -> ToolOutput {
        guard let path = which(tool) else { throw ToolError(command: tool, output: ToolOutput(status: 127, out: "", err: "not installed")) }
        // blkid escapes non-ASCII labels under plain C.
        let r = try Subprocess.run(path, args, environment: ["LC_ALL": "C.UTF-8"], input: input ?? "", cwd: cwd)
        let output = ToolOutput(status: r.status, out: r.stdout, err: r.stderr)
        if check && output.status != 0 {
            throw ToolError(command: ([tool] + args).joined(separator: " "), output: output)
        }
        return output
    }
}

/// Which tools are installed, probed once; tests that need a missing one are skipped.
enum Tools {
    static let installed: Set<String> = Set([
        "sfdisk", "sgdisk", "fdisk", "blkid", "mmls", "mkfs.vfat", "mkfs.ext4", "mkfs.ext3", "mkfs.ext2",
        "mkfs.ntfs", "mkfs.exfat", "mkfs.xfs", "mkfs.btrfs", "mkswap", "cryptsetup", "genisoimage", "truncate",
    ].filter { Shell.which($0) != nil })

    /// Whether every tool in `names` is installed.
    static func have(_ names: String...) -> Bool { names.allSatisfy(installed.contains) }
}
