internal import CFastMD5
import Crypto

/// Lowercase hex of a digest.
func hex(_ digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for b in digest {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Several digests fed the same bytes, on the caller's thread. A lane of
/// `MediaHasher` owns one; tests use it to hash in-memory data.
public struct MultiDigest {
    public let algorithms: [HashAlgorithm]
    // Optionals mutated in place (`md5?.update`): no copy of the contexts.
    private var md5: FastMD5?
    private var sha1: Insecure.SHA1?
    private var sha256: SHA256?

    public init(_ algorithms: [HashAlgorithm]) {
        self.algorithms = Set(algorithms).sorted()
        if algorithms.contains(.md5) { md5 = FastMD5() }
        if algorithms.contains(.sha1) { sha1 = Insecure.SHA1() }
        if algorithms.contains(.sha256) { sha256 = SHA256() }
    }

    /// Feeds `bytes` to every digest, in slices of at most 1 MiB (the size
    /// swift-crypto is fastest on here).
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let slice = 1 << 20
        var start = 0
        while start < bytes.count {
            let part = UnsafeRawBufferPointer(rebasing: bytes[start..<min(bytes.count, start + slice)])
            md5?.update(part)
            sha1?.update(bufferPointer: part)
            sha256?.update(bufferPointer: part)
            start += slice
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Lowercase hex digests by algorithm.
    public func finalize() -> [HashAlgorithm: String] {
        var out: [HashAlgorithm: String] = [:]
        if let md5 { out[.md5] = hex(md5.finalize()) }
        if let sha1 { out[.sha1] = hex(sha1.finalize()) }
        if let sha256 { out[.sha256] = hex(sha256.finalize()) }
        return out
    }

    /// How `MediaHasher` spreads algorithms over threads. MD5 cannot be split
    /// and is the slowest (~0.89 GB/s here with `FastMD5`): it gets a thread
    /// of its own and SHA-1 and SHA-256 (~2 GB/s each) share the other, which
    /// balances the two on a 2-core machine. Without MD5, SHA-1 and SHA-256
    /// get one each. The MD5 lane, when there is one, comes first.
    public static func lanes(for algorithms: [HashAlgorithm]) -> [[HashAlgorithm]] {
        let sorted = Set(algorithms).sorted()
        guard sorted.count > 1 else { return sorted.isEmpty ? [] : [sorted] }
        if sorted.contains(.md5) {
            return [[.md5], sorted.filter { $0 != .md5 }]
        }
        return sorted.map { [$0] }
    }
}

/// MD5 through CFastMD5 (swift-crypto's BoringSSL MD5 does ~0.85 GB/s here,
/// this ~0.89: MD5 is serial, and its speed is what `hash` with md5 takes).
/// A value type: copying it copies the context.
struct FastMD5 {
    private var context = cmd5_context()

    init() { cmd5_init(&context) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        cmd5_update(&context, base, bytes.count)
    }

    /// The digest (of a copy: `self` can go on being fed).
    func finalize() -> [UInt8] {
        var copy = context
        var out = [UInt8](repeating: 0, count: 16)
        cmd5_final(&copy, &out)
        return out
    }
}
