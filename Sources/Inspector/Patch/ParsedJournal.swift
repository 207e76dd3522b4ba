import LinuxAIO

/// Why a journal cannot be used.
public enum JournalError: Error, Equatable, CustomStringConvertible {
    case notAJournal(String)
    case unsupportedVersion(String, UInt16)
    /// Empty, or the header itself is torn: the writer stopped before its
    /// header was durable, so it never wrote a block.
    case noHeader(String)
    case corrupt(String, at: Int, why: String)
    case io(String)

    public var description: String {
        switch self {
        case let .notAJournal(p): "\(p) is not a blkview undo journal (no BLKVUNDO header)"
        case let .unsupportedVersion(p, v): "\(p) is an undo journal of version \(v); this blkview reads version \(JournalHeader.version)"
        case let .noHeader(p): "\(p) has no complete header: the patch stopped before writing anything, so there is nothing to undo"
        case let .corrupt(p, at, why): "\(p) is damaged at byte \(at) (\(why)) and a valid record follows: refusing to guess what was written"
        case let .io(m): m
        }
    }
}

/// A journal as read back: its header, every complete record, and how many
/// bytes of a torn last record (a crash mid-append) were ignored.
public struct ParsedJournal: Equatable, Sendable {
    public var header: JournalHeader
    public var records: [JournalRecord]
    /// Bytes after the last valid record (a torn append), ignored.
    public var ignoredTailBytes: Int
    /// Where the valid part ends (an appender truncates here).
    public var validLength: Int

    /// Parses a journal file's bytes; `name` is for messages.
    ///
    /// A record that is incomplete or fails its CRC-32C ends the journal when
    /// nothing valid follows it (the torn tail of a crash: its block was never
    /// written, because each block is written only after its record is
    /// fsync'ed). A valid record after a damaged one is refused.
    public static func parse(_ data: [UInt8], name: String) throws(JournalError) -> ParsedJournal {
        let r = ByteReader(data: data, position: 0)
        let magic = JournalHeader.magic
        if data.count < magic.count {
            if Array(magic.prefix(data.count)) == data { throw .noHeader(name) }
            throw .notAJournal(name)
        }
        guard Array(data.prefix(magic.count)) == magic else { throw .notAJournal(name) }
        guard let version = r.u(8, 2), let headerLength = r.u(12, 4).map(Int.init) else { throw .noHeader(name) }
        guard version == UInt64(JournalHeader.version) else { throw .unsupportedVersion(name, UInt16(version)) }
        guard headerLength >= JournalHeader.fixedLength + 4, headerLength < 1 << 20 else {
            throw .corrupt(name, at: 12, why: "header length \(headerLength)")
        }
        guard data.count >= headerLength else { throw .noHeader(name) }
        guard r.u(headerLength - 4, 4) == UInt64(CRC32C.checksum(data[0..<(headerLength - 4)])) else {
            // Nothing is written before the header is durable: a bad header
            // with no record after it is a torn creation.
            if data.count == headerLength { throw .noHeader(name) }
            throw .corrupt(name, at: 0, why: "header checksum mismatch")
        }
        let pathLength = Int(r.u(92, 2)!)
        guard JournalHeader.fixedLength + pathLength + 4 == headerLength,
              let pathBytes = r.slice(94, pathLength) else {
            throw .corrupt(name, at: 92, why: "path length")
        }
        let header = JournalHeader(
            path: String(decoding: pathBytes, as: UTF8.self), size: Int64(bitPattern: r.u(16, 8)!),
            unit: Int(r.u(24, 4)!), logicalSectorSize: Int(r.u(28, 4)!), device: r.u(32, 8)!, inode: r.u(40, 8)!,
            created: Int64(bitPattern: r.u(48, 8)!), identityLength: Int(r.u(56, 4)!), identityDigest: r.slice(60, 32)!)
        var records: [JournalRecord] = []
        var p = headerLength
        while p < data.count {
            guard let rec = record(data, at: p) else {
                // Damaged: a torn tail unless a valid record follows.
                for q in (p + 1)..<data.count where data[q] == JournalRecord.magic[0] {
                    if let later = record(data, at: q), later.record.sequence >= UInt32(records.count) {
                        throw .corrupt(name, at: p, why: "record \(records.count) fails its checksum")
                    }
                }
                return ParsedJournal(header: header, records: records, ignoredTailBytes: data.count - p, validLength: p)
            }
            guard rec.record.sequence == UInt32(records.count) else {
                throw .corrupt(name, at: p, why: "record sequence \(rec.record.sequence), expected \(records.count)")
            }
            records.append(rec.record)
            p += rec.length
        }
        return ParsedJournal(header: header, records: records, ignoredTailBytes: 0, validLength: p)
    }

    /// The record at `p` and its encoded length, or nil when it is incomplete
    /// or fails its checksum.
    static func record(_ data: [UInt8], at p: Int) -> (record: JournalRecord, length: Int)? {
        let r = ByteReader(data: data, position: p)
        guard r.slice(p, 4) == JournalRecord.magic, let seq = r.u(p + 4, 4), let off = r.u(p + 8, 8),
              let len = r.u(p + 16, 4).map(Int.init), let syncRaw = r.u(p + 20, 1),
              len > 0, len <= JournalRecord.maxLength, Int(syncRaw) < SyncLevel.allCases.count else { return nil }
        let total = JournalRecord.fixedLength + 2 * len + 4
        guard p + total <= data.count,
              r.u(p + total - 4, 4) == UInt64(CRC32C.checksum(data[p..<(p + total - 4)])) else { return nil }
        let start = p + JournalRecord.fixedLength
        let rec = JournalRecord(sequence: UInt32(seq), offset: Int64(bitPattern: off), sync: SyncLevel.allCases[Int(syncRaw)],
                                original: Array(data[start..<(start + len)]), patched: Array(data[(start + len)..<(start + 2 * len)]))
        return (rec, total)
    }
}
