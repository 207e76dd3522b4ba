import BlockDevice
import DiskFormats
import LinuxAIO

/// Feeds the pure `DiskProbe` from a source: reads the first and last MiB,
/// probes, reads what the probe says it is missing, and probes again until
/// nothing is missing. All reads are aligned and go through the read path in
/// the visible class (someone is waiting for the answer).
///
/// Every EBR link costs one round (the next link is known only once the
/// previous EBR is read), so the round limit follows the parser's own chain
/// limit. When a limit (rounds or bytes) stops the probe, or a range cannot be
/// read, the layout says so in its defects: the answer is then incomplete,
/// never silently so.
public enum StructureReader {
    /// Rounds: one per EBR link up to the parser's limit, plus the file-system
    /// rounds (superblock, then label) and a margin.
    public static let maxRounds = DiskProbe.maxLogicalPartitions + 8
    /// Never read more than this in total (a hostile table cannot make us read the disk).
    public static let maxBytes: Int64 = 64 << 20

    /// Probes `media` with the default limits.
    public static func probe(_ media: MediaReader) async throws -> DiskLayout {
        try await probe(media, maxRounds: maxRounds, maxBytes: maxBytes)
    }

    /// Probes `media` with the default limits; also answers every checksum
    /// the structures carry (mismatches are among the layout's defects).
    public static func probeWithChecksums(_ media: MediaReader) async throws -> (DiskLayout, [ChecksumStatus]) {
        var statuses: [ChecksumStatus] = []
        let layout = try await probe(media, maxRounds: maxRounds, maxBytes: maxBytes, checksums: &statuses)
        return (layout, statuses)
    }

    /// Probes `media`, reading at most `maxRounds` times and `maxBytes` bytes.
    /// Read errors do not end the probe: the unreadable ranges become defects.
    /// Only cancellation is thrown.
    public static func probe(_ media: MediaReader, maxRounds: Int, maxBytes: Int64) async throws -> DiskLayout {
        var statuses: [ChecksumStatus] = []
        return try await probe(media, maxRounds: maxRounds, maxBytes: maxBytes, checksums: &statuses)
    }

    static func probe(_ media: MediaReader, maxRounds: Int, maxBytes: Int64,
                      checksums: inout [ChecksumStatus]) async throws -> DiskLayout {
        let size = media.geometry.size
        var bytes = PrefetchedBytes(size: size)
        let mib: Int64 = 1 << 20
        var wanted = [ByteRange(offset: 0, length: min(size, mib))]
        if size > mib { wanted.append(ByteRange(offset: max(mib, size - mib), length: min(mib, size - mib))) }
        var read: Int64 = 0
        var attempted: Set<ByteRange> = []
        var unreadable: [(ByteRange, String)] = []
        var layout = DiskLayout(size: size, sectorSize: media.geometry.logicalSectorSize, scheme: .none)
        var rounds = 0
        var stoppedByBytes = false
        while rounds < maxRounds {
            rounds += 1
            for r in wanted {
                guard read < maxBytes else { stoppedByBytes = true; break }
                attempted.insert(r)
                do {
                    let (off, data) = try await readAligned(media, r)
                    bytes.add(data, at: off)
                    read = read.addingReportingOverflow(Int64(data.count)).partialValue
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    unreadable.append((r, "\(error)"))
                }
            }
            layout = DiskProbe.probe(bytes, logicalSectorSize: media.geometry.logicalSectorSize)
            // A range asked for again after it was read (or failed) cannot be had.
            wanted = layout.missingRanges.filter { $0.offset < size && $0.length > 0 && !attempted.contains($0) }
            if wanted.isEmpty || stoppedByBytes { break }
        }
        layout.defects += defects(layout: layout, unreadable: unreadable, rounds: rounds, maxRounds: maxRounds,
                                  stoppedByBytes: stoppedByBytes || (read >= maxBytes && !wanted.isEmpty),
                                  maxBytes: maxBytes, pending: wanted)
        // Checksums the structures carry over themselves (ext4 metadata_csum,
        // exFAT boot regions, LUKS2 headers): each mismatch is a defect.
        do {
            checksums = try await ChecksumReader.statuses(media, layout: layout)
            layout.defects += ChecksumReader.defects(checksums)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            layout.defects.append("checksums not checked: \(error)")
        }
        return layout
    }

    /// What stopped the probe short, as defects.
    static func defects(layout: DiskLayout, unreadable: [(ByteRange, String)], rounds: Int, maxRounds: Int,
                        stoppedByBytes: Bool, maxBytes: Int64, pending: [ByteRange]) -> [String] {
        var out: [String] = []
        for (r, why) in unreadable.prefix(DiskProbe.maxListed) {
            out.append("unreadable: \(r.length) bytes at \(r.offset) (0x\(String(r.offset, radix: 16))): \(why)")
        }
        if unreadable.count > DiskProbe.maxListed {
            out.append("\(unreadable.count - DiskProbe.maxListed) more ranges unreadable")
        }
        let stillMissing = layout.missingRanges.filter { m in !unreadable.contains { $0.0 == m } }
        guard !stillMissing.isEmpty else { return out }
        let first = stillMissing[0]
        let what = "\(stillMissing.count) range\(stillMissing.count == 1 ? "" : "s") not read (first: \(first.length) bytes at \(first.offset))"
        if stoppedByBytes {
            out.append("structure probe stopped at its \(maxBytes >> 20) MiB read limit: \(what); partitions and file systems may be missing")
        } else if rounds >= maxRounds && !pending.isEmpty {
            out.append("structure probe stopped after \(maxRounds) rounds: \(what); partitions and file systems may be missing")
        }
        return out
    }

    /// Reads `r` widened to the source's alignment, in pieces of at most
    /// 1 MiB, in `readClass`; returns the widened start and the bytes (short at the end).
    static func readAligned(_ media: MediaReader, _ r: ByteRange, as readClass: ReadClass = .visible) async throws -> (Int64, [UInt8]) {
        let a = Int64(max(media.geometry.alignment.offset, 512))
        let size = media.geometry.size
        // `r` lies inside the device (the probe asks only for such ranges); clamp anyway.
        let offset = min(max(0, r.offset), size)
        let wantedEnd = min(r.end, size)
        let start = offset / a * a
        let end = min(roundUp(wantedEnd, a), roundUp(size, a))
        var out: [UInt8] = []
        var at = start
        while at < end {
            let piece = Int(min(end - at, 1 << 20))
            let buf = AlignedBuffer(count: piece, alignment: max(media.geometry.alignment.memory, 4096))
            // A warm image (batch commands' resident reads): a memory copy, no disk read, no AIO context.
            let n = media.isResident(offset: at, length: piece)
                ? try media.readResident(at: at, into: buf, length: piece, as: readClass)
                : try await media.read(at: at, into: buf, length: piece, as: readClass)
            out += buf.copyBytes(count: n)
            if n < piece { break }
            at += Int64(n)
        }
        return (start, out)
    }

    /// `x` rounded up to a multiple of `a`; rounded down instead where that would overflow.
    static func roundUp(_ x: Int64, _ a: Int64) -> Int64 {
        let down = x / a * a
        guard down != x else { return x }
        let (up, overflow) = down.addingReportingOverflow(a)
        return overflow ? down : up
    }
}
