import DiskFormats
import BlockDevice
import LinuxAIO

/// What a patch writes to: read (through the read path, O_DIRECT), write
/// with a sync level. A `WritableMedia` is one; tests wrap one to inject faults.
public protocol PatchTarget: AnyObject, Sendable {
    var path: String { get }
    var geometry: Geometry { get }
    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int
    func write(at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int
    /// How `level` is made true on this target (`data (O_DSYNC)`, `data (NBD FUA)`).
    func syncWords(_ level: SyncLevel) -> String
}

extension WritableMedia: PatchTarget {}

/// Why a patch or an undo stopped.
public struct PatchError: Error, Equatable, CustomStringConvertible {
    public let description: String
    /// Paths and journal text in `description` are escaped for the terminal.
    public init(_ description: String) { self.description = description.terminalSafe }
}

extension PatchTarget {
    public func syncWords(_ level: SyncLevel) -> String { level.description }

    /// The unit every patch block and journal record is a multiple of: the
    /// O_DIRECT alignment, at least 512 bytes.
    public var patchUnit: Int { max(512, geometry.alignment.offset) }

    /// Exactly `length` bytes at `offset`, read through the source (O_DIRECT
    /// where the file system allows it: the device's bytes, not a cache's).
    public func readExactly(at offset: Int64, length: Int) async throws -> [UInt8] {
        let buffer = AlignedBuffer(count: length, alignment: max(geometry.alignment.memory, 512))
        let n = try await read(at: offset, into: buffer, length: length)
        guard n == length else {
            throw PatchError("cannot read \(path) at 0x\(String(offset, radix: 16)) (\(length) B): only \(n) bytes came back")
        }
        return buffer.copyBytes(count: length)
    }

    /// Writes `bytes` at `offset` with `sync`; returns the completion latency in µs.
    public func writeAll(_ bytes: [UInt8], at offset: Int64, sync: SyncLevel) async throws -> Double {
        let buffer = AlignedBuffer(count: bytes.count, alignment: max(geometry.alignment.memory, 512))
        buffer.replaceBytes(at: 0, with: bytes)
        let t0 = monotonicNanoseconds()
        let n = try await write(at: offset, from: buffer, length: bytes.count, sync: sync)
        let t1 = monotonicNanoseconds()
        guard n == bytes.count else {
            throw PatchError("short write to \(path) at 0x\(String(offset, radix: 16)): \(n) of \(bytes.count) bytes")
        }
        return Double(t1 - t0) / 1000
    }

    /// The journal header naming this target: size, unit, and the SHA-256 of
    /// its first block as it is now (call before the first write).
    public func journalHeader(device: UInt64, inode: UInt64, created: Int64) async throws -> JournalHeader {
        let unit = patchUnit
        let aligned = geometry.size / Int64(unit) * Int64(unit)
        let idLength = Int(min(Int64(max(4096, unit)), aligned))
        let first = idLength > 0 ? try await readExactly(at: 0, length: idLength) : []
        return JournalHeader(path: path, size: geometry.size, unit: unit, logicalSectorSize: geometry.logicalSectorSize,
                             device: device, inode: inode, created: created, identityLength: idLength,
                             identityDigest: SHA256Digest.hash(first))
    }
}
