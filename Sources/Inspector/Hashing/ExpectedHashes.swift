import BlockDevice
/// Digests to verify against, and where they came from.
public struct ExpectedHashes: Sendable, Equatable {
    /// What kind of record held them.
    public enum Kind: String, Sendable, Equatable {
        case digest = "digest"
        case ewfacquireLog = "ewfacquire log"
        case dc3ddLog = "dc3dd log"
        case ftkImagerSummary = "FTK Imager summary"
        case checksumFile = "checksum file"
        case storedInImage = "stored in the image"
    }

    public var kind: Kind
    /// The file read, "command line" for a digest, or the image for stored hashes.
    public var origin: String
    /// Lowercase hex digests by algorithm.
    public var digests: [HashAlgorithm: String]

    public init(kind: Kind, origin: String, digests: [HashAlgorithm: String]) {
        self.kind = kind
        self.origin = origin
        self.digests = digests.mapValues { $0.lowercased() }
    }

    /// "ewfacquire log case.log", "digest on the command line", "stored in the image x.E01".
    public var label: String {
        switch kind {
        case .digest: "digest on the command line"
        case .storedInImage: "stored in the image \(origin)"
        default: "\(kind.rawValue) \(origin)"
        }
    }

    /// A hex digest as given to `--verify`: the algorithm from its length
    /// (32 MD5, 40 SHA-1, 64 SHA-256) or a prefix ("sha256:…", "md5=…").
    /// Nil when it is not one.
    public static func digest(_ text: String) -> ExpectedHashes? {
        var t = text.trimmed()
        var named: HashAlgorithm?
        if let sep = t.firstIndex(where: { $0 == ":" || $0 == "=" }) {
            guard let a = HashAlgorithm(name: t[..<sep]) else { return nil }
            named = a
            t = String(t[t.index(after: sep)...]).trimmed()
        }
        guard t.isHexDigits, let a = HashAlgorithm.forHexLength(t.count), named == nil || named == a else { return nil }
        return ExpectedHashes(kind: .digest, origin: "command line", digests: [a: t])
    }

    /// The digests an evidence container stores (EWF), nil when it stores none.
    public static func stored(in evidence: EvidenceMetadata?, origin: String) -> ExpectedHashes? {
        var digests: [HashAlgorithm: String] = [:]
        for (k, v) in evidence?.storedHashes ?? [:] { if let a = HashAlgorithm(name: k) { digests[a] = v } }
        return digests.isEmpty ? nil : ExpectedHashes(kind: .storedInImage, origin: origin, digests: digests)
    }

    /// Checks the computed digests against these: one check per expected
    /// algorithm (`computed` nil when it was not computed).
    public func checks(against computed: [HashAlgorithm: String]) -> [HashCheck] {
        digests.keys.sorted().map { a in
            HashCheck(algorithm: a, expected: digests[a]!, computed: computed[a], reference: label)
        }
    }
}

/// One expected digest against the computed one.
public struct HashCheck: Sendable, Equatable, CustomStringConvertible {
    public var algorithm: HashAlgorithm
    public var expected: String
    public var computed: String?
    public var reference: String

    public init(algorithm: HashAlgorithm, expected: String, computed: String?, reference: String) {
        self.algorithm = algorithm
        self.expected = expected.lowercased()
        self.computed = computed
        self.reference = reference
    }

    public var matches: Bool { computed == expected }

    /// "MD5 match (ewfacquire log x.log)" or "SHA-1 MISMATCH: expected … computed …".
    public var description: String {
        let name = algorithm.displayName
        guard let computed else { return "\(name) not computed (\(reference)): expected \(expected)" }
        return matches
            ? "\(name) match: \(computed) (\(reference))"
            : "\(name) MISMATCH (\(reference)): expected \(expected), computed \(computed)"
    }
}
