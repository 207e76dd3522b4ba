/// The goto prompt's language: `0x1fe`, `510`, `4KiB`, `s2048` (sector 2048),
/// `+0x200` / `-512` (relative to the cursor), `p2` (start of partition 2),
/// and sums such as `s2048+0x10` or `p2+s100`.
public enum GotoExpression {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case empty
        case unparsable(String)
        case pastEnd(Int64, size: Int64)
        case negative
        case noPartition(Int)
        /// Partition `n` starts at a byte offset past the end of the media.
        case partitionPastEnd(Int, Int64)
        /// Partition `n`'s start sector × sector size does not fit in 63 bits.
        case partitionBeyondInt64(Int)
        /// The sum does not fit in 63 bits.
        case overflow(String)

        public var description: String {
            switch self {
            case .empty: "goto: type an offset (0x1fe, 510, 4KiB, s2048, +0x200, -512)"
            case let .unparsable(t): "goto: cannot read '\(t)' as an offset (try 0x1fe, 510, 4KiB, s2048, +0x200)"
            case let .pastEnd(o, size): "goto: 0x\(String(o, radix: 16)) is past the end (size 0x\(String(size, radix: 16)))"
            case .negative: "goto: that is before the start of the media"
            case let .noPartition(n): "goto: there is no partition \(n)"
            case let .partitionPastEnd(n, o): "goto: p\(n) starts past the end of the media (at 0x\(String(o, radix: 16)))"
            case let .partitionBeyondInt64(n): "goto: p\(n) starts beyond 2^63 bytes: it cannot be reached"
            case let .overflow(t): "goto: '\(t)' is beyond 2^63 bytes"
            }
        }
    }

    /// Resolves `text` to an absolute offset in `0..<size`.
    /// `partitions` maps partition numbers to where they start (checked: a
    /// start past the end or beyond 2^63 is an error, never a trap).
    public static func resolve(_ text: String, cursor: Int64, size: Int64, sectorSize: Int,
                               partitions: [Int: PartitionStart] = [:]) throws(Failure) -> Int64 {
        let t = text.filter { !$0.isWhitespace }
        guard !t.isEmpty else { throw .empty }
        var base: Int64 = 0
        var rest = Substring(t)
        if let f = rest.first, f == "+" || f == "-" { base = cursor }
        var total = base
        var first = true
        while !rest.isEmpty {
            var sign: Int64 = 1
            if rest.first == "+" { rest.removeFirst() } else if rest.first == "-" { sign = -1; rest.removeFirst() } else if !first {
                throw .unparsable(text)
            }
            let term = rest.prefix { $0 != "+" && $0 != "-" }
            rest = rest.dropFirst(term.count)
            if term.first == "p" || term.first == "P" {
                guard let n = Int(term.dropFirst()) else { throw .unparsable(text) }
                let start: Int64
                switch partitions[n] {
                case nil: throw .noPartition(n)
                case let .at(o)?: start = o
                case let .pastEnd(o)?: throw .partitionPastEnd(n, o)
                case .beyondInt64?: throw .partitionBeyondInt64(n)
                }
                let (sum, o) = total.addingReportingOverflow(sign * start)
                guard !o else { throw .overflow(text) }
                total = sum
                first = false
                continue
            }
            guard let v = value(of: term, sectorSize: sectorSize) else { throw .unparsable(text) }
            let (sum, o) = total.addingReportingOverflow(sign * v)
            guard !o else { throw .overflow(text) }
            total = sum
            first = false
        }
        guard total >= 0 else { throw .negative }
        guard total < max(size, 1) else { throw .pastEnd(total, size: size) }
        return total
    }

    private static func value(of term: Substring, sectorSize: Int) -> Int64? {
        guard !term.isEmpty else { return nil }
        if term.first == "s" || term.first == "S" {
            guard let n = ByteSize.parse(String(term.dropFirst())) else { return nil }
            let (v, o) = n.multipliedReportingOverflow(by: Int64(sectorSize))
            return o ? nil : v
        }
        return ByteSize.parse(String(term))
    }
}
