// Where partitions start: MiB boundaries, then the old cylinder boundaries.

/// The offsets a quick scan looks at, in increasing order, lazily: every MiB,
/// and the starts that 255-head × 63-sector geometry gave (each cylinder's
/// first sector and the sector after its first track, 63 sectors in).
public struct ScanOffsets: Sequence, Sendable {
    /// One MiB.
    public static let mib: Int64 = 1 << 20
    /// One cylinder of 255 × 63 sectors of 512 bytes.
    public static let cylinder: Int64 = 255 * 63 * 512
    /// One track of 63 sectors of 512 bytes: where DOS put the first partition.
    public static let track: Int64 = 63 * 512

    /// Media size in bytes: offsets stop before it.
    public var size: Int64
    /// Start here (an offset inside the media; earlier ones are skipped).
    public var from: Int64

    /// The offsets of a media of `size` bytes, from `from` on.
    public init(size: Int64, from: Int64 = 0) {
        self.size = Swift.max(0, size)
        self.from = Swift.max(0, from)
    }

    /// Whether `offset` is a cylinder boundary or one track after one.
    public static func isCylinderStart(_ offset: Int64) -> Bool {
        offset >= 0 && (offset % cylinder == 0 || offset % cylinder == track)
    }

    /// Iterates the merged progressions.
    public struct Iterator: IteratorProtocol, Sendable {
        var next3: [Int64]
        let strides: [Int64] = [ScanOffsets.mib, ScanOffsets.cylinder, ScanOffsets.cylinder]
        let size: Int64

        init(size: Int64, from: Int64) {
            self.size = size
            let phases: [Int64] = [0, 0, ScanOffsets.track]
            next3 = zip(phases, strides).map { phase, stride in
                from <= phase ? phase : phase.addingSaturating((from - phase + stride - 1) / stride * stride)
            }
        }

        /// The next offset, or nil past the end.
        public mutating func next() -> Int64? {
            guard let low = next3.min(), low < size else { return nil }
            for i in next3.indices where next3[i] == low { next3[i] = next3[i].addingSaturating(strides[i]) }
            return low
        }
    }

    /// The iterator.
    public func makeIterator() -> Iterator { Iterator(size: size, from: from) }
}

extension PartitionScan {
    /// The magic numbers ``mightStart(_:at:)`` looks for, at their offsets.
    static let magics: [(at: Int, bytes: [UInt8])] = [
        (510, [0x55, 0xAA]),                        // FAT, NTFS, exFAT boot sectors
        (0, Array("XFSB".utf8)),
        (1024 + 56, [0x53, 0xEF]),                  // ext superblock magic
        (0, LUKSProbe.magic),
        (4086, Array("SWAPSPACE2".utf8)),
        (0x10000 + 64, Array("_BHRfS_M".utf8)),
        (0x8001, Array("CD001".utf8)),
    ]

    /// Whether a sector at `index` of `chunk` might start a file system: a
    /// cheap test on magic numbers before ``examine(_:at:)``, for scans of
    /// every sector. Bytes past the chunk's end count as unknown (a match).
    public static func mightStart(_ chunk: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index < chunk.count else { return false }
        return chunk.withUnsafeBufferPointer { c in
            for (at, magic) in magics {
                let start = index + at
                var match = true
                for k in 0..<magic.count {
                    guard start + k < c.count else { break }  // unknown: counts as a match
                    if c[start + k] != magic[k] { match = false; break }
                }
                if match { return true }
            }
            return false
        }
    }
}
