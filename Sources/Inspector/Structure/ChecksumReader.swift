import BlockDevice
import DiskFormats
import LinuxAIO

/// What staged bytes do to the checksums of the structures they fall in.
public enum ChecksumAssessment: Equatable, Sendable {
    /// The checksums that will stop matching (or stay wrong), each with its fix.
    case impacts([ChecksumImpact])
    /// Why it could not be told (structures not probed yet, a read failed).
    case failed(String)
}

/// Reads what ``ChecksumCatalog`` needs through the read path (visible class:
/// someone waits for the answer) and evaluates the checksums of a layout.
public enum ChecksumReader {
    /// Never read more than this for checksums (GPT arrays, LUKS2 headers: a few hundred KiB at most).
    public static let maxBytes: Int64 = 16 << 20
    static let maxRounds = 4

    /// The checksums of `layout` and the bytes they were computed from.
    public static func load(_ media: MediaReader, layout: DiskLayout) async throws -> (specs: [ChecksumSpec], bytes: PrefetchedBytes) {
        var bytes = PrefetchedBytes(size: media.geometry.size)
        var budget = maxBytes
        var attempted: Set<ByteRange> = []
        var specs: [ChecksumSpec] = []
        for _ in 0..<maxRounds {
            let (found, missing) = ChecksumCatalog.specs(for: layout, in: bytes)
            specs = found
            // The specs' own ranges too, so that they can be evaluated from `bytes`.
            let wanted = (missing + found.flatMap(\.neededRanges)).filter { bytes.bytes(at: $0.offset, count: Int($0.length)) == nil }
            let fresh = wanted.filter { !attempted.contains($0) }
            if fresh.isEmpty { break }
            for r in fresh {
                attempted.insert(r)
                guard budget > 0 else { break }
                let (at, data) = try await StructureReader.readAligned(media, r)
                bytes.add(data, at: at)
                budget -= Int64(data.count)
            }
        }
        return (specs, bytes)
    }

    /// Every checksum of `layout`, stored against computed.
    public static func statuses(_ media: MediaReader, layout: DiskLayout) async throws -> [ChecksumStatus] {
        let (specs, bytes) = try await load(media, layout: layout)
        return specs.compactMap { $0.evaluate(bytes) }
    }

    /// What writing `runs` does to the checksums of `layout`.
    public static func assess(_ media: MediaReader, layout: DiskLayout, runs: [PatchRun]) async -> ChecksumAssessment {
        do {
            let (specs, loaded) = try await load(media, layout: layout)
            var bytes = loaded
            // Nothing to tell when no checksum covers the runs; when one does,
            // every spec stays in: a fix can touch another's bytes (a GPT
            // array's CRC sits in its header, which has a CRC of its own).
            let touched = specs.contains { spec in
                runs.contains { run in spec.neededRanges.contains { $0.offset < run.range.upperBound && run.range.lowerBound < $0.end } }
            }
            guard touched else { return .impacts([]) }
            var patches: [Int64: UInt8] = [:]
            for run in runs {
                for (i, b) in run.bytes.enumerated() {
                    let o = run.offset + Int64(i)
                    if b.mask == 0xFF { patches[o] = b.value; continue }
                    // A half-typed byte keeps the media's other nibble.
                    if bytes.bytes(at: o, count: 1) == nil {
                        let (at, data) = try await StructureReader.readAligned(media, ByteRange(offset: o, length: 1))
                        bytes.add(data, at: at)
                    }
                    guard let original = bytes.bytes(at: o, count: 1)?.first else { continue }
                    patches[o] = b.apply(to: original)
                }
            }
            guard let impacts = ChecksumCatalog.impacts(specs, original: bytes, patches: patches) else {
                return .failed("the bytes the checksums cover could not all be read")
            }
            return .impacts(impacts)
        } catch {
            return .failed("\(error)")
        }
    }

    /// Mismatches as defects, for `info` and the structure panel. GPT CRCs are
    /// left out: the GPT parser reports those itself.
    public static func defects(_ statuses: [ChecksumStatus]) -> [String] {
        statuses.filter { !$0.matches && $0.spec.kind != .crc32 }.map { "checksum: " + $0.mismatchDescription }
    }
}
