import LinuxAIO

/// The engine contract over an NBD connection: the same slots, in-flight
/// snapshot and latency histograms as `AioContext`, with NBD commands
/// instead of iocbs. File descriptors are ignored: the connection is the
/// file. `kind` says `.threads` (the contract's only non-AIO kind); what
/// serves the reads is named by the source's `engineLabel` (`nbd ×32`).
final class NBDEngine: IOEngine {
    let connection: NBDConnection

    init(_ connection: NBDConnection) { self.connection = connection }

    var kind: EngineKind { .threads }
    var slots: Int { connection.table.slots }

    func read(_ fd: Int32, at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        guard length <= buffer.count, length >= 0 else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        return try await connection.read(at: offset, into: buffer, length: length)
    }

    /// With `.data` or `.full` the write carries FUA: durable when it completes.
    func write(_ fd: Int32, at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
        guard length <= buffer.count, length >= 0 else { throw EngineError.bufferTooSmall(length: length, buffer: buffer.count) }
        return try await connection.write(at: offset, from: buffer, length: length, fua: sync != .none, sync: sync)
    }

    func fsync(_ fd: Int32) async throws { try await connection.flush() }
    func fdatasync(_ fd: Int32) async throws { try await connection.flush() }

    func statistics() -> IOStatistics { connection.table.snapshot() }

    func shutdown() async { await connection.close() }

    var description: String {
        let s = statistics()
        return "NBDEngine(\(connection.name), slots: \(s.slotsInUse)/\(slots) in use, \(s.waiting) waiting)"
    }
}
