/// A digest `hash` computes and `--verify` compares.
public enum HashAlgorithm: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case md5
    case sha1
    case sha256

    /// Hex digits of a digest: 32, 40, 64.
    public var hexLength: Int {
        switch self {
        case .md5: 32
        case .sha1: 40
        case .sha256: 64
        }
    }

    /// "MD5", "SHA-1", "SHA-256": how reports name it.
    public var displayName: String {
        switch self {
        case .md5: "MD5"
        case .sha1: "SHA-1"
        case .sha256: "SHA-256"
        }
    }

    public var description: String { rawValue }

    public static func < (a: HashAlgorithm, b: HashAlgorithm) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The algorithm whose hex digest has `length` digits, if exactly one has.
    public static func forHexLength(_ length: Int) -> HashAlgorithm? {
        allCases.first { $0.hexLength == length }
    }

    /// Parses a name as tools write it: "md5", "SHA1", "sha-1", "SHA256", "sha-256".
    public init?(name: some StringProtocol) {
        let n = name.lowercased().filter { $0 != "-" && $0 != "_" }
        guard let a = HashAlgorithm(rawValue: n) else { return nil }
        self = a
    }

    /// Parses `--algorithms md5,sha1,sha256` (any order, case and spacing);
    /// the result is sorted and without duplicates.
    ///
    /// - Throws: `HashAlgorithmListError` naming the unknown entry.
    public static func parseList(_ text: String) throws(HashAlgorithmListError) -> [HashAlgorithm] {
        var set = Set<HashAlgorithm>()
        for part in text.split(separator: ",") {
            let name = part.trimmed()
            if name.isEmpty { continue }
            guard let a = HashAlgorithm(name: name) else { throw HashAlgorithmListError(unknown: name) }
            set.insert(a)
        }
        if set.isEmpty { throw HashAlgorithmListError(unknown: text) }
        return set.sorted()
    }
}

/// An `--algorithms` entry that is not md5, sha1 or sha256.
public struct HashAlgorithmListError: Error, Sendable, CustomStringConvertible {
    public let unknown: String
    public var description: String {
        "unknown hash algorithm '\(unknown)': choose from md5, sha1, sha256 (comma-separated)"
    }
}

extension StringProtocol {
    /// True when every character is a hex digit.
    var isHexDigits: Bool { !isEmpty && allSatisfy(\.isHexDigit) }

    /// Without leading and trailing white space (newlines included).
    func trimmed() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
