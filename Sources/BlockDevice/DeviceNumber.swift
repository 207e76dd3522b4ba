import Glibc

/// A block device's major:minor number, as `/proc/self/mountinfo` and
/// `/sys/dev/block` spell it.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
    public let major: UInt32
    public let minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Decodes a `dev_t` the way glibc's `gnu_dev_major/minor` do (Swift
    /// cannot see those macros).
    public init(_ dev: UInt64) {
        major = UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
        minor = UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
    }

    /// Parses `"8:16"`.
    public init?(_ text: Substring) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let ma = UInt32(parts[0]), let mi = UInt32(parts[1]) else { return nil }
        self.init(major: ma, minor: mi)
    }

    public var description: String { "\(major):\(minor)" }
}
