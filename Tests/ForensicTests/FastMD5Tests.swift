import Crypto
import Inspector
import LinuxAIO
import Testing

/// `MultiDigest`'s MD5 is our own (CFastMD5, hand-scheduled x86-64): checked
/// against RFC 1321's test suite and against swift-crypto's BoringSSL MD5 on
/// random data fed in random pieces (block boundaries, the 55/56/64-byte
/// padding edges, one-byte updates).
@Suite("FastMD5: RFC 1321 and swift-crypto agree")
struct FastMD5Tests {
    static func md5(_ parts: [ArraySlice<UInt8>]) -> String {
        var d = MultiDigest([.md5])
        for p in parts { Array(p).withUnsafeBytes { d.update($0) } }
        return d.finalize()[.md5]!
    }

    @Test("RFC 1321 appendix A.5 test suite")
    func rfc1321() {
        let suite: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (text, expected) in suite {
            #expect(Self.md5([ArraySlice(Array(text.utf8))]) == expected, "\"\(text)\"")
        }
    }

    @Test("every length 0...300 and random pieces of 1 MiB match Insecure.MD5")
    func againstBoringSSL() {
        var rng = SplitMix64(seed: 0x6d64_3521)
        let data = (0..<(1 << 20) + 77).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for n in 0...300 {
            let slice = data[0..<n]
            #expect(Self.md5([slice]) == hexString(Insecure.MD5.hash(data: slice)), "length \(n)")
        }
        for _ in 0..<20 {
            var parts: [ArraySlice<UInt8>] = []
            var at = 0
            while at < data.count {
                let n = min(data.count - at, Int(rng.next() % (rng.next() % 2 == 0 ? 70 : 200_000)) + 1)
                parts.append(data[at..<at + n])
                at += n
            }
            #expect(Self.md5(parts) == hexString(Insecure.MD5.hash(data: data)))
        }
    }

    func hexString(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
