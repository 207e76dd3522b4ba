import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// A scratch directory on a disk file system (O_DIRECT works there).
final class Scratch: Sendable {
    let path: String
    init() throws {
        path = "/var/tmp/blkview-patch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `count` deterministic pseudo-random bytes to `name`; returns them.
    @discardableResult
    func image(_ name: String, count: Int, seed: UInt64 = 1) throws -> [UInt8] {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            out[i] = UInt8(truncatingIfNeeded: x >> 24)
        }
        try Data(out).write(to: URL(fileURLWithPath: file(name)))
        return out
    }

    func contents(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }

    func openWritable(_ name: String) throws -> WritableMedia {
        WritableMedia(try BlockSources.openWritable(permit: try WritePermit.request(path: file(name), forensic: false),
                                                    options: BlockSourceOptions(slots: 4)))
    }
}

/// Plays a device that does not keep what it is given: each write lands
/// with one bit flipped (the read-back must catch it). It also records how
/// many journal records were durable when each write arrived.
final class FlippingTarget: PatchTarget {
    let inner: WritableMedia
    let journalPath: String
    let recordsAtWrite = Protected<[Int]>([])
    let flip: Bool

    init(_ inner: WritableMedia, journal: String, flip: Bool) {
        self.inner = inner
        journalPath = journal
        self.flip = flip
    }

    var path: String { inner.path }
    var geometry: Geometry { inner.geometry }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await inner.read(at: offset, into: buffer, length: length)
    }

    func write(at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: journalPath)))
        let n = (try? ParsedJournal.parse(data, name: journalPath).records.count) ?? -1
        recordsAtWrite.withLock { $0.append(n) }
        if flip { buffer[length / 2] ^= 0x01 }
        return try await inner.write(at: offset, from: buffer, length: length, sync: sync)
    }
}
