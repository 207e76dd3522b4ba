import Foundation

/// A scratch directory for one test, removed by `remove()` or when the last
/// reference goes. By default on /var/tmp, a disk file system (ext4 here):
/// /tmp may be tmpfs, where O_DIRECT means nothing.
public final class Scratch: Sendable {
    public let path: String

    /// A fresh directory under `base` (which must exist).
    public init(base: String = "/var/tmp") throws {
        var template = Array("\(base)/blkview-test-\(getpid())-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TestFailure("cannot create a directory in \(base): \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit { remove() }

    /// Removes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// `name` inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `bytes` to `name`; returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Writes `count` deterministic pseudo-random bytes (`random(count:seed:)`)
    /// to `name`; returns them.
    @discardableResult
    public func writeRandom(_ name: String, count: Int, seed: UInt64 = 1) throws -> [UInt8] {
        let bytes = Self.random(count: count, seed: seed)
        try write(name, bytes)
        return bytes
    }

    /// A sparse file of `bytes` bytes (all zeros); returns its path.
    @discardableResult
    public func sparse(_ name: String, bytes: Int64) throws -> String {
        let p = file(name)
        guard FileManager.default.createFile(atPath: p, contents: nil), truncate(p, off_t(bytes)) == 0 else {
            throw TestFailure("cannot create \(p) of \(bytes) bytes: \(String(cString: strerror(errno)))")
        }
        return p
    }

    /// A file of `size` bytes: random from /dev/urandom when `random`, else
    /// sparse zeros. Returns its path.
    public func file(_ name: String, size: Int, random: Bool = false) throws -> String {
        guard random else { return try sparse(name, bytes: Int64(size)) }
        let p = file(name)
        let r = try Subprocess.sh("head -c \(size) /dev/urandom > '\(p)'")
        guard r.status == 0 else { throw TestFailure("cannot create \(p): \(r.stderr)") }
        return p
    }

    /// The bytes of `name` as they are on disk now.
    public func contents(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    /// `count` deterministic pseudo-random bytes (xorshift64 from `seed`).
    public static func random(count: Int, seed: UInt64) -> [UInt8] {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            out[i] = UInt8(truncatingIfNeeded: x >> 24)
        }
        return out
    }
}
