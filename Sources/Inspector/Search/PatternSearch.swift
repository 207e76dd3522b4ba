import BlockDevice
import LinuxAIO

/// Every occurrence of a pattern in a whole source, for `blkview search`:
/// the ranges to read (holes skipped on regular files), the chunk pipeline,
/// and the streaming scanner.
public struct PatternSearch {
    public let pattern: [UInt8]
    /// Bytes per read and reads in flight.
    public var chunk = 8 << 20
    public var depth = 4
    /// Copy chunks the page cache holds instead of reading them again (regular files).
    public var useWarmReads = true
    /// Skip holes of regular files (SEEK_DATA/SEEK_HOLE).
    public var skipHoles = true
    /// Only occurrences that start in this range (`search --offset/--length`).
    public var window: Range<Int64>?

    /// What a run did.
    public struct Outcome: Sendable, Equatable {
        /// Occurrences reported (up to the stop).
        public var count: Int
        /// Bytes scanned (holes skipped are not counted).
        public var bytesScanned: Int64
        /// The bytes the planned ranges hold (what a full run scans).
        public var bytesPlanned: Int64
        /// The ranges that could not be read, at their real size (a failed
        /// chunk is read again in halves down to the alignment), in order.
        public var unreadable: [Unreadable] = []
    }

    /// A range the search went past because it could not be read.
    public struct Unreadable: Sendable, Equatable {
        public var range: Range<Int64>
        /// The error of its first read (one line).
        public var message: String
    }

    public init(pattern: [UInt8]) {
        precondition(!pattern.isEmpty, "empty pattern")
        self.pattern = pattern
    }

    /// The pattern with its bytes in the other order, for a 2-, 4- or 8-byte
    /// pattern that is not its own reverse (a number typed big-endian that the
    /// media stores little-endian); else nil.
    public static func byteSwapped(_ pattern: [UInt8]) -> [UInt8]? {
        guard [2, 4, 8].contains(pattern.count) else { return nil }
        let r = Array(pattern.reversed())
        return r == pattern ? nil : r
    }

    /// The ranges a search of the media reads (holes skipped where the read
    /// path knows them).
    public func ranges(of media: MediaReader) -> [Range<Int64>] {
        let size = media.geometry.size
        let data = skipHoles ? media.dataExtents() : nil
        let all = DataExtents.scanRanges(data: data, size: size, pattern: pattern,
                                         alignment: max(media.geometry.alignment.offset, 4096))
        guard let w = window else { return all }
        // A match starting before the window's end may run past it.
        let hi = min(size, w.upperBound + Int64(max(0, pattern.count - 1)))
        return all.compactMap { r in
            let lo = max(r.lowerBound, w.lowerBound), up = min(r.upperBound, hi)
            return lo < up ? lo..<up : nil
        }
    }

    /// Scans `source`. `onMatch` gets each start offset in increasing order and
    /// returns false to stop; `afterChunk` gets the bytes scanned so far and
    /// returns false to stop (e.g. the output's reader went away).
    public func run(_ media: MediaReader, onMatch: (Int64) -> Bool,
                    afterChunk: (_ scanned: Int64, _ planned: Int64) throws -> Bool = { _, _ in true }) async throws -> Outcome {
        let reader = ChunkReader(reader: media, ranges: ranges(of: media), chunk: chunk, depth: depth, warm: useWarmReads)
        reader.recover = true  // go on past unreadable ranges; they are reported
        let planned = reader.totalBytes
        var scanner = MatchScanner(pattern: pattern)
        var outcome = Outcome(count: 0, bytesScanned: 0, bytesPlanned: planned)
        var stop = false
        do {
            while !stop, let c = try await reader.next() {
                if c.startsRange { scanner.reset(at: c.offset) }
                let more = scanner.scan(c.bytes) { at in
                    if let w = window, at >= w.upperBound { return true }
                    outcome.count += 1
                    return onMatch(at)
                }
                outcome.bytesScanned += Int64(c.bytes.count)
                stop = !more
                if try !afterChunk(outcome.bytesScanned, planned) { stop = true }
            }
        } catch {
            await reader.finish()
            throw error
        }
        await reader.finish()
        outcome.unreadable = reader.unreadable.map { Unreadable(range: $0.range, message: "\($0.error)") }
        return outcome
    }
}
