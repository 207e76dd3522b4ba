// Running the real tools (mkfs.*, sfdisk, blkid, …) from the tests.
import Foundation

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C.UTF-8"  // blkid escapes non-ASCII labels under plain C
        process.environment = env
        // Files, not pipes: a chatty tool cannot fill a pipe and block.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("blkview-fmt-\(UUID().uuidString)")
        let outURL = scratch.appendingPathExtension("out"), errURL = scratch.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let output = ToolOutput(status: process.terminationStatus,
                                out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                                err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
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
