/// Parses the records acquisition tools leave, for `hash --verify FILE`:
///
/// - ewfacquire's `-l` log or console output (and ewfverify's output):
///   `MD5 hash calculated over data:<tabs>hex`, `SHA1 …`, `SHA256 …`.
/// - dc3dd's `log=` file: in the last `input results for …` block, lines
///   `   hex (md5)`; the per-piece lines of `hofs=` (`hex, sectors a - b`)
///   are not the media's digest and are skipped.
/// - FTK Imager's summary (`image.E01.txt`): `MD5 checksum: hex` and
///   `SHA1 checksum: hex` under `[Computed Hashes]`, else the
///   `Image Verification Results` lines (`hex : verified`).
/// - A checksum file (`md5sum` output, or a bare digest): `hex  name` lines.
///
/// Pure: text in, digests out.
public enum VerificationLog {
    /// The digests a record holds.
    ///
    /// - Throws: `VerificationLogError` when none is found.
    public static func parse(_ text: String, origin: String) throws(VerificationLogError) -> ExpectedHashes {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { String($0).replacingCRs() }
        let found: (ExpectedHashes.Kind, [HashAlgorithm: String])?
        if text.contains("hash calculated over data:") {
            found = (.ewfacquireLog, ewf(lines))
        } else if text.contains("dc3dd") && text.contains("input results for") {
            found = (.dc3ddLog, dc3dd(lines))
        } else if text.contains("[Computed Hashes]") || text.contains("FTK") && text.contains(" checksum:") {
            found = (.ftkImagerSummary, ftk(lines))
        } else {
            found = (.checksumFile, checksumFile(lines))
        }
        guard let (kind, digests) = found, !digests.isEmpty else {
            throw VerificationLogError(origin: origin)
        }
        return ExpectedHashes(kind: kind, origin: origin, digests: digests)
    }

    /// Decodes a record's bytes: UTF-16 (FTK Imager on Windows may write it,
    /// with a byte-order mark), else UTF-8 with invalid bytes replaced.
    public static func decode(_ bytes: [UInt8]) -> String {
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE {
            let units = stride(from: 2, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
            return String(decoding: units, as: UTF16.self)
        }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF {
            let units = stride(from: 2, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        return String(decoding: body, as: UTF8.self)
    }

    static func ewf(_ lines: [String]) -> [HashAlgorithm: String] {
        var out: [HashAlgorithm: String] = [:]
        for line in lines {
            guard let r = line.range(of: " hash calculated over data:") else { continue }
            let name = line[..<r.lowerBound].trimmed()
            let value = line[r.upperBound...].trimmed()
            if let a = HashAlgorithm(name: name), value.count == a.hexLength, value.isHexDigits { out[a] = value }
        }
        return out
    }

    static func dc3dd(_ lines: [String]) -> [HashAlgorithm: String] {
        guard let start = lines.lastIndex(where: { $0.hasPrefix("input results for") }) else { return [:] }
        var out: [HashAlgorithm: String] = [:]
        for line in lines[(start + 1)...] {
            if line.hasPrefix("output results for") || line.hasPrefix("dc3dd completed") { break }
            // "   <hex> (md5)"; piece lines ("      <hex>, sectors 0 - 2047") have no parentheses.
            let t = line.trimmed()
            guard t.hasSuffix(")"), let open = t.lastIndex(of: "("), let space = t.firstIndex(of: " ") else { continue }
            let value = String(t[..<space])
            let name = t[t.index(after: open)..<t.index(before: t.endIndex)]
            if let a = HashAlgorithm(name: name), value.count == a.hexLength, value.isHexDigits { out[a] = value.lowercased() }
        }
        return out
    }

    static func ftk(_ lines: [String]) -> [HashAlgorithm: String] {
        var computed: [HashAlgorithm: String] = [:]
        var verified: [HashAlgorithm: String] = [:]
        var section = ""
        for line in lines {
            let t = line.trimmed()
            if t.hasPrefix("[") && t.hasSuffix("]") { section = t; continue }
            if t.hasSuffix(":") && !t.contains("checksum") { section = t; continue }
            guard let r = t.range(of: " checksum:") else { continue }
            let name = t[..<r.lowerBound].trimmed()
            // "c5a7… : verified" in the verification results.
            let value = t[r.upperBound...].split(separator: " ").first.map(String.init) ?? ""
            guard let a = HashAlgorithm(name: name), value.count == a.hexLength, value.isHexDigits else { continue }
            if section == "[Computed Hashes]" { computed[a] = value.lowercased() } else { verified[a] = value.lowercased() }
        }
        return computed.isEmpty ? verified : computed
    }

    static func checksumFile(_ lines: [String]) -> [HashAlgorithm: String] {
        var out: [HashAlgorithm: String] = [:]
        for line in lines {
            guard let first = line.split(separator: " ").first.map({ $0.trimmed() }) else { continue }
            let value = first.hasPrefix("\\") ? String(first.dropFirst()) : first
            if value.isHexDigits, let a = HashAlgorithm.forHexLength(value.count), out[a] == nil { out[a] = value.lowercased() }
        }
        return out
    }
}

/// A `--verify` file in which no digest was found.
public struct VerificationLogError: Error, Sendable, CustomStringConvertible {
    public let origin: String
    public var description: String {
        "no MD5, SHA-1 or SHA-256 digest found in \(origin): expected an ewfacquire log, a dc3dd log, "
            + "an FTK Imager summary, a checksum file, or give the hex digest itself"
    }
}

extension String {
    func replacingCRs() -> String { hasSuffix("\r") ? String(dropLast()) : self }
}
