/// What `/` and `blkview search` look for: bytes typed as hex (`de ad be ef`,
/// `deadbeef`) or text in quotes (`"MSWIN4.1"`); unquoted input that is not
/// hex is taken as text.
public struct SearchPattern: Equatable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let isText: Bool

    public init(bytes: [UInt8], isText: Bool = false) {
        self.bytes = bytes
        self.isText = isText
    }

    /// Parses what the user typed; nil for an empty pattern.
    public static func parse(_ input: String) -> SearchPattern? {
        let trimmed = input.trimmingSpaces
        guard !trimmed.isEmpty else { return nil }
        if trimmed.count >= 2, let f = trimmed.first, let l = trimmed.last, f == l, f == "\"" || f == "'" {
            let inner = trimmed.dropFirst().dropLast()
            return inner.isEmpty ? nil : SearchPattern(bytes: Array(inner.utf8), isText: true)
        }
        if let hex = hexBytes(trimmed) { return SearchPattern(bytes: hex) }
        return SearchPattern(bytes: Array(trimmed.utf8), isText: true)
    }

    /// `de ad be ef` or `deadbeef` or `0xdeadbeef`; nil if not hex.
    public static func hexBytes(_ s: String) -> [UInt8]? {
        var digits = s.filter { !$0.isWhitespace }
        if digits.lowercased().hasPrefix("0x") { digits = String(digits.dropFirst(2)) }
        guard !digits.isEmpty, digits.count % 2 == 0, digits.allSatisfy(\.isHexDigit) else { return nil }
        var out: [UInt8] = []
        var it = digits.makeIterator()
        while let a = it.next(), let b = it.next() {
            out.append(UInt8(String([a, b]), radix: 16)!)
        }
        return out
    }

    public var description: String {
        isText ? "\"\(String(decoding: bytes, as: UTF8.self))\"" : bytes.map { hex2($0) }.joined(separator: " ")
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}

/// Two lower-case hex digits.
@inline(__always)
func hex2(_ b: UInt8) -> String {
    let d: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    return String([d[Int(b >> 4)], d[Int(b & 15)]])
}
