internal import CByteStats
import Foundation

/// What an overview map cell holds, as far as its bytes tell.
public enum MapClass: String, Sendable, CaseIterable, Codable {
    /// A hole of a sparse file, or bytes that are all zero.
    case zero
    /// Text, tables, code: Shannon entropy below the threshold.
    case low
    /// Compressed or encrypted data (or noise): entropy near 8 bits a byte.
    case high
    /// A read failed in the cell.
    case unreadable
    /// Nothing read yet.
    case unsampled

    /// The legend's words.
    public var label: String {
        switch self {
        case .zero: "zero/hole"
        case .low: "low entropy"
        case .high: "high entropy"
        case .unreadable: "unreadable"
        case .unsampled: "not sampled"
        }
    }
}

/// Statistics of sampled bytes, additive: a cell's figures are the sum of
/// its units' (a unit is the part of one 4 KiB block of the media inside one
/// cell, the grain at which bytes are classed). Entropy is measured per unit
/// and averaged weighted by bytes, so it means the same whether a cell was
/// sampled once or read in full.
public struct ByteTally: Equatable, Sendable {
    /// Bytes looked at.
    public var bytes: Int64 = 0
    /// Bytes whose value is 0x00.
    public var zeroBytes: Int64 = 0
    /// Σ entropy × bytes over the units (bits).
    public var entropyBits: Double = 0
    /// Bytes of units classed zero, low and high entropy.
    public var zeroUnits: Int64 = 0
    public var lowUnits: Int64 = 0
    public var highUnits: Int64 = 0

    public init() {}

    public static func + (a: ByteTally, b: ByteTally) -> ByteTally {
        var t = a
        t.add(b)
        return t
    }

    public mutating func add(_ b: ByteTally) {
        bytes += b.bytes
        zeroBytes += b.zeroBytes
        entropyBits += b.entropyBits
        zeroUnits += b.zeroUnits
        lowUnits += b.lowUnits
        highUnits += b.highUnits
    }
}

/// Classes bytes: Shannon entropy per unit of at most 4 KiB, and the
/// fraction of zero bytes.
public enum MapClassifier {
    /// Units whose entropy reaches this share of the most their length
    /// allows (8 bits for 256 bytes or more) are high entropy. Random 4 KiB
    /// measure ~7.95 bits a byte, deflate output ~7.9, text 4–5, x86 code
    /// ~6, base64 at most 6: 7.2 of 8 separates compressed from the rest.
    public static let highShare = 0.9

    /// The grain: the media's 4 KiB blocks.
    public static let unit = 4096

    /// `c · log2(c)` for every count a unit can have.
    private static let cLogC: [Double] = (0...unit).map { $0 < 2 ? 0 : Double($0) * log2(Double($0)) }

    /// Entropy in bits per byte of a byte histogram over `n` bytes.
    public static func entropy(counts: UnsafePointer<UInt32>, n: Int) -> Double {
        guard n > 1 else { return 0 }
        var s = 0.0
        if n <= unit {
            cLogC.withUnsafeBufferPointer { t in
                for i in 0..<256 { s += t[Int(counts[i])] }
            }
        } else {
            for i in 0..<256 where counts[i] > 1 { s += Double(counts[i]) * log2(Double(counts[i])) }
        }
        return max(0, log2(Double(n)) - s / Double(n))
    }

    /// The class of one unit with entropy `h` over `n` bytes, `zeros` of them zero.
    public static func classify(entropy h: Double, n: Int, zeros: Int) -> MapClass {
        if zeros == n { return .zero }
        let most = log2(Double(min(max(n, 2), 256)))
        return h >= highShare * most ? .high : .low
    }

    /// Tallies `count` bytes at `p` as one unit (at most `unit` bytes).
    /// Every byte is counted (CByteStats' kernel: ~2 GiB/s a thread, where
    /// this loop in Swift made ~325 MiB/s and bounded `map --full`).
    public static func tallyUnit(_ p: UnsafeRawPointer, count: Int, into t: inout ByteTally) {
        guard count > 0 else { return }
        let same = cbst_uniform(p, count)
        if same == 0 {
            t.bytes += Int64(count)
            t.zeroBytes += Int64(count)
            t.zeroUnits += Int64(count)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { h in
            let base = h.baseAddress!
            if same > 0 {
                // All one non-zero value (0xFF of erased flash): one count, no pass.
                h.initialize(repeating: 0)
                base[Int(same)] = UInt32(count)
            } else {
                cbst_histogram(p, count, base)
            }
            let e = entropy(counts: UnsafePointer(base), n: count)
            let zeros = Int(base[0])
            t.bytes += Int64(count)
            t.zeroBytes += Int64(zeros)
            t.entropyBits += e * Double(count)
            switch classify(entropy: e, n: count, zeros: zeros) {
            case .zero: t.zeroUnits += Int64(count)
            case .high: t.highUnits += Int64(count)
            default: t.lowUnits += Int64(count)
            }
        }
    }

    /// Counts the `count` bytes at `p` by value into `counts` (256 entries, overwritten).
    static func histogram(_ p: UnsafeRawPointer, count: Int, into counts: UnsafeMutablePointer<UInt32>) {
        cbst_histogram(p, count, counts)
    }

    /// Whether `count` bytes at `p` are all zero (false for none).
    static func isZero(_ p: UnsafeRawPointer, count: Int) -> Bool {
        cbst_uniform(p, count) == 0
    }

    /// Tallies the bytes of `[at, at + count)` read into `p`, split at the
    /// media's 4 KiB block edges and at the cells of `plan`: `add(cell, tally)`
    /// is called once per cell touched, in order.
    public static func tally(_ p: UnsafeRawPointer, at: Int64, count: Int, plan: MapPlan,
                             add: (Int, ByteTally) -> Void) {
        var pos = max(at, plan.range.lowerBound)
        let end = min(at + Int64(count), plan.range.upperBound)
        guard pos < end, var cell = plan.index(of: pos) else { return }
        var cellEnd = plan.start(cell + 1)
        var t = ByteTally()
        let u = Int64(unit)
        while pos < end {
            let blockEnd = (pos / u + 1) * u
            let stop = min(blockEnd, cellEnd, end)
            tallyUnit(p + Int(pos - at), count: Int(stop - pos), into: &t)
            pos = stop
            if pos == cellEnd || pos == end {
                add(cell, t)
                t = ByteTally()
                if pos == cellEnd && pos < end {
                    cell += 1
                    cellEnd = plan.start(cell + 1)
                }
            }
        }
    }
}
