import Foundation

/// A loop device attached for one test; `detach()` afterwards.
public struct Loop: Sendable {
    public let device: String

    public init(_ image: String, readOnly: Bool = true, sectorSize: Int? = nil, partitions: Bool = false) throws {
        var args = ["losetup", "-f", "--show"]
        if readOnly { args.append("-r") }
        if let sectorSize { args += ["-b", "\(sectorSize)"] }
        if partitions { args.append("-P") }
        let r = Subprocess.run(args + [image])
        guard r.status == 0, r.trimmed.hasPrefix("/dev/loop") else { throw TestFailure("losetup failed: \(r.stderr)") }
        device = r.trimmed
    }

    public func detach() { Subprocess.run(["losetup", "-d", device]) }
}
