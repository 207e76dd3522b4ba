import DiskFormats
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

    /// Paths (and `io` messages that echo them) escaped for the terminal.
    public var description: String { rawDescription.terminalSafe }

    private var rawDescription: String {
        switch self {
        case let .notAJournal(p): "\(p) is not a blkview undo journal (no BLKVUNDO header)"
        case let .unsupportedVersion(p, v): "\(p) is an undo journal of version \(v); this blkview reads version \(JournalHeader.version)"
        case let .noHeader(p): "\(p) has no complete header: the patch stopped before writing anything, so there is nothing to undo"
        case let .corrupt(p, at, why): "\(p) is damaged at byte \(at) (\(why)) and a valid record follows: refusing to guess what was written"
        case let .io(m): m
        }
    }
}

/// The last record of a journal when it is damaged (cut short, or failing its
/// checksum) and nothing valid follows it: what survives of it.
///
/// A crash while appending leaves one, and then its block was never written
/// (a block is written only after its record is durable). A journal damaged
/// later (truncated, a flipped byte) leaves one too, and then its block may
/// hold the patched bytes: `UndoEngine.settle` looks at the block to decide.
public struct DamagedRecord: Equatable, Sendable {
    /// Where it starts in the journal, and how many bytes of it there are.
    public var position: Int
    public var bytes: Int
    /// The sequence number it must have (the count of valid records before it).
    public var sequence: UInt32
    /// The block it names, when its fields are there and make sense (for a
    /// version 2 record: when its header checksum holds).
    public var block: (offset: Int64, length: Int)?
    /// Version 2, header checksum verified: the CRC-32C of the block's
    /// original and patched bytes.
    public var checksums: (original: UInt32, patched: UInt32)?
    /// The original and patched bytes that survive (prefixes), when `block` is known.
    public var original: [UInt8]
    public var patched: [UInt8]

    public static func == (a: DamagedRecord, b: DamagedRecord) -> Bool {
        a.position == b.position && a.bytes == b.bytes && a.sequence == b.sequence
            && a.block?.offset == b.block?.offset && a.block?.length == b.block?.length
            && a.checksums?.original == b.checksums?.original && a.checksums?.patched == b.checksums?.patched
            && a.original == b.original && a.patched == b.patched
    }
}

/// A journal as read back: its header, every complete record, and what
/// survives of a damaged last record.
public struct ParsedJournal: Equatable, Sendable {
    public var version: UInt16
    public var header: JournalHeader
    public var records: [JournalRecord]
    /// The damaged last record, if any (nothing valid follows it).
    public var damagedTail: DamagedRecord?
    /// What undo decided about the damaged last record (`UndoEngine.settle`).
    public var tailNote: String?
    /// Where the valid part ends (an appender truncates here).
    public var validLength: Int
    /// Bytes after the last valid record (a damaged last record).
    public var ignoredTailBytes: Int


    /// Parses a journal file's bytes; `name` is for messages.
    ///
    /// A record that is incomplete or fails its CRC-32C ends the journal when
    /// nothing valid follows it; what survives of it is kept in `damagedTail`
    /// for undo to judge against the target. A valid record after a damaged
    /// one is refused.
    public static func parse(_ data: [UInt8], name: String) throws(JournalError) -> ParsedJournal {
        let r = ByteReader(data: data, position: 0)
        let magic = JournalHeader.magic
        if data.count < magic.count {
            if Array(magic.prefix(data.count)) == data { throw .noHeader(name) }
            throw .notAJournal(name)
        }
        guard Array(data.prefix(magic.count)) == magic else { throw .notAJournal(name) }
        guard let rawVersion = r.u(8, 2), let headerLength = r.u(12, 4).map(Int.init) else { throw .noHeader(name) }
        let version = UInt16(rawVersion)
        guard JournalHeader.readableVersions.contains(version) else { throw .unsupportedVersion(name, version) }
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
            guard let rec = record(data, at: p, version: version) else {
                // Damaged: the last record unless a valid record follows.
                for q in (p + 1)..<data.count where data[q] == JournalRecord.magic[0] {
                    if let later = record(data, at: q, version: version), later.record.sequence >= UInt32(records.count) {
                        throw .corrupt(name, at: p, why: "record \(records.count) fails its checksum")
                    }
                }
                let tail = damaged(data, at: p, sequence: UInt32(records.count), version: version)
                return ParsedJournal(version: version, header: header, records: records, damagedTail: tail,
                                     validLength: p, ignoredTailBytes: data.count - p)
            }
            guard rec.record.sequence == UInt32(records.count) else {
                throw .corrupt(name, at: p, why: "record sequence \(rec.record.sequence), expected \(records.count)")
            }
            records.append(rec.record)
            p += rec.length
        }
        return ParsedJournal(version: version, header: header, records: records, damagedTail: nil,
                             validLength: p, ignoredTailBytes: 0)
    }

    /// The fields of a record at `p` that are there and make sense (nil when
    /// it is cut short inside them or they do not): sequence, offset, length,
    /// sync, and for version 2 the two data checksums under a header checksum.
    static func fields(_ data: [UInt8], at p: Int, version: UInt16)
        -> (seq: UInt32, offset: Int64, length: Int, sync: SyncLevel, checksums: (UInt32, UInt32)?)? {
        let r = ByteReader(data: data, position: p)
        guard p >= 0, data.count - p >= JournalRecord.fixedLength(version: version),
              r.slice(p, 4) == JournalRecord.magic, let seq = r.u(p + 4, 4), let off = r.u(p + 8, 8),
              let len = r.u(p + 16, 4).map(Int.init), let syncRaw = r.u(p + 20, 1),
              len > 0, len <= JournalRecord.maxLength, Int(syncRaw) < SyncLevel.allCases.count else { return nil }
        var sums: (UInt32, UInt32)?
        if version >= 2 {
            guard let o = r.u(p + 24, 4), let n = r.u(p + 28, 4),
                  r.u(p + 32, 4) == UInt64(CRC32C.checksum(data[p..<(p + 32)])) else { return nil }
            sums = (UInt32(o), UInt32(n))
        }
        return (UInt32(seq), Int64(bitPattern: off), len, SyncLevel.allCases[Int(syncRaw)], sums)
    }

    /// The record at `p` and its encoded length, or nil when it is incomplete
    /// or fails its checksum.
    static func record(_ data: [UInt8], at p: Int, version: UInt16) -> (record: JournalRecord, length: Int)? {
        guard let f = fields(data, at: p, version: version) else { return nil }
        let fixed = JournalRecord.fixedLength(version: version)
        let total = fixed + 2 * f.length + 4
        let r = ByteReader(data: data, position: p)
        guard p <= data.count - total,
              r.u(p + total - 4, 4) == UInt64(CRC32C.checksum(data[p..<(p + total - 4)])) else { return nil }
        let start = p + fixed
        let rec = JournalRecord(sequence: f.seq, offset: f.offset, sync: f.sync,
                                original: Array(data[start..<(start + f.length)]),
                                patched: Array(data[(start + f.length)..<(start + 2 * f.length)]))
        return (rec, total)
    }

    /// What survives of the damaged record at `p`.
    static func damaged(_ data: [UInt8], at p: Int, sequence: UInt32, version: UInt16) -> DamagedRecord {
        var d = DamagedRecord(position: p, bytes: data.count - p, sequence: sequence, block: nil, checksums: nil,
                              original: [], patched: [])
        guard let f = fields(data, at: p, version: version), f.seq == sequence else { return d }
        d.block = (f.offset, f.length)
        d.checksums = f.checksums.map { (original: $0.0, patched: $0.1) }
        let start = p + JournalRecord.fixedLength(version: version)
        let have = max(0, data.count - start)
        d.original = Array(data[min(start, data.count)..<min(start + min(have, f.length), data.count)])
        if have > f.length {
            d.patched = Array(data[(start + f.length)..<min(start + 2 * f.length, data.count)])
        }
        return d
    }
}
