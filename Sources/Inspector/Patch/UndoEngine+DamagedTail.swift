import DiskFormats
import LinuxAIO

extension UndoEngine {
    /// Judges a journal's damaged last record against the target, reading
    /// only, before `plan`. Returns the journal to plan with: the record
    /// dropped when its block still holds its original bytes, or added back
    /// when its block was written and its original bytes are intact; either
    /// way `tailNote` says which.
    ///
    /// A crash while appending a record leaves it damaged, and its block was
    /// never written. A journal truncated or changed later does too, and
    /// then its block may hold the patched bytes. The block decides: a
    /// version 2 record's header carries the CRC-32C of the block's original
    /// and patched bytes under a checksum of its own. Whenever the block
    /// cannot be told apart (the header is lost, the block holds neither, or
    /// it was written and the original bytes are lost), undo is refused:
    /// restoring the other records would leave an image that is neither the
    /// original nor the patched one.
    public static func settle(_ journal: ParsedJournal, targetPath: String, size: Int64,
                              read: Reader) async throws -> ParsedJournal {
        // Another target's size: `plan` refuses it as the wrong target first.
        guard let d = journal.damagedTail, size == journal.header.size else { return journal }
        var j = journal
        j.damagedTail = nil
        let target = targetPath.terminalSafe
        let what = "the journal's last record (\(d.sequence), \(d.bytes) bytes at byte \(d.position)) is cut short or fails its checksum"
        let nothing = "; nothing was written"
        guard let block = d.block, fits(offset: block.offset, length: block.length, size: size) else {
            throw PatchError("refusing to undo: \(what), and its header is lost, so which block it names and whether the patch wrote it cannot be decided" + nothing)
        }
        let at = "0x\(String(block.offset, radix: 16))"
        let now = try await read(block.offset, block.length)
        guard let sums = d.checksums else {
            // Version 1: no checksum of the data in the record's header; only
            // a whole surviving original that the block still holds decides.
            if d.original.count == block.length, now == d.original {
                j.tailNote = "damaged last record \(d.sequence) ignored: its block at \(at) still holds its original bytes (never written)"
                return j
            }
            throw PatchError("refusing to undo: \(what), and \(target) at \(at) does not hold the original bytes that survive in it (a version 1 journal has no checksum of the patched bytes): whether the patch wrote that block cannot be decided" + nothing)
        }
        let crc = CRC32C.checksum(now)
        if crc == sums.original {
            j.tailNote = "damaged last record \(d.sequence) ignored: its block at \(at) still holds its original bytes (never written)"
            return j
        }
        guard crc == sums.patched else {
            throw PatchError("refusing to undo: \(what), and \(target) at \(at) holds neither that record's original nor its patched bytes (CRC-32C): whether the patch wrote that block cannot be decided" + nothing)
        }
        guard d.original.count == block.length, CRC32C.checksum(d.original) == sums.original else {
            let lost = d.original.count < block.length ? "cut short" : "damaged"
            throw PatchError("refusing to undo: \(what): \(target) at \(at) holds its patched bytes (the patch wrote it), but the journal's copy of its original bytes is \(lost), so that block cannot be restored" + nothing)
        }
        j.records.append(JournalRecord(sequence: d.sequence, offset: block.offset, sync: .none, original: d.original, patched: now))
        j.tailNote = "damaged last record \(d.sequence): its block at \(at) was written; its original bytes are intact (CRC-32C) and are restored"
        return j
    }
}
