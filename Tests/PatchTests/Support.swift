import BlockDevice
import Foundation
import Inspector
import LinuxAIO
import TestSupport

extension Scratch {
    /// `name` opened for patching through the read path (no forensic mode).
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
