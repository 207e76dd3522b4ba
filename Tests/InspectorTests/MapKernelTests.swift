import Foundation
@testable import Inspector
import TestSupport
import Testing

/// The map's byte-statistics kernel (CByteStats) against a plain reference:
/// the same histogram bit for bit, so the same tallies, whatever the length,
/// alignment or content.
@Suite struct MapKernelTests {
    /// One byte at a time.
    static func referenceHistogram(_ p: UnsafeRawPointer, count: Int) -> [UInt32] {
        var h = [UInt32](repeating: 0, count: 256)
        for i in 0..<count { h[Int(p.load(fromByteOffset: i, as: UInt8.self))] += 1 }
        return h
    }

    /// The classifier's definitions, from the reference histogram: entropy
    /// summed over the values in order, zero fraction, class.
    static func referenceTally(_ p: UnsafeRawPointer, count: Int) -> ByteTally {
        var t = ByteTally()
        guard count > 0 else { return t }
        let h = referenceHistogram(p, count: count)
        var s = 0.0
        for c in h where c > 1 { s += Double(c) * log2(Double(c)) }
        let e = count > 1 ? max(0, log2(Double(count)) - s / Double(count)) : 0
        let zeros = Int(h[0])
        t.bytes = Int64(count)
        t.zeroBytes = Int64(zeros)
        if zeros == count {
            t.zeroUnits = Int64(count)
            return t
        }
        t.entropyBits = e * Double(count)
        if e >= MapClassifier.highShare * log2(Double(min(max(count, 2), 256))) {
            t.highUnits = Int64(count)
        } else {
            t.lowUnits = Int64(count)
        }
        return t
    }

    static func kernelHistogram(_ p: UnsafeRawPointer, count: Int) -> [UInt32] {
        var h = [UInt32](repeating: 0xDEAD_BEEF, count: 256)  // overwritten, not added to
        h.withUnsafeMutableBufferPointer { MapClassifier.histogram(p, count: count, into: $0.baseAddress!) }
        return h
    }

    /// Inputs of every kind: random, zero, one non-zero value, text, runs,
    /// zeros with one byte set at the start, middle or end.
    static func inputs(_ rng: inout SeededRandom, count: Int) -> [(String, [UInt8])] {
        let words = Array("the quick brown fox jumps over a lazy dog; sectors, offsets and sizes\n".utf8)
        var random = [UInt8](repeating: 0, count: count)
        for i in random.indices { random[i] = UInt8.random(in: 0...255, using: &rng) }
        var runs = [UInt8](repeating: 0, count: count)
        var v = UInt8(0)
        for i in runs.indices {
            if i % 37 == 0 { v = UInt8.random(in: 0...3, using: &rng) }
            runs[i] = v
        }
        var out: [(String, [UInt8])] = [
            ("random", random), ("zero", [UInt8](repeating: 0, count: count)), ("ff", [UInt8](repeating: 0xFF, count: count)),
            ("text", (0..<count).map { words[$0 % words.count] }), ("runs", runs),
        ]
        for at in Set([0, count / 2, count - 1]) where count > 0 {
            var z = [UInt8](repeating: 0, count: count)
            z[at] = 0x5A
            out.append(("zero but byte \(at)", z))
            var f = [UInt8](repeating: 0xFF, count: count)
            f[at] = 0xFE
            out.append(("ff but byte \(at)", f))
        }
        return out
    }

    @Test("histogram and tally equal the reference's on random, zero, 0xFF, text and run bytes, every length to 4 KiB + 1 around the kernel's steps, at every misalignment")
    func kernelMatchesReference() {
        var rng = SeededRandom.fromEnvironment()
        var lengths = Array(0...80) + [127, 128, 129, 255, 256, 257, 1000, 1023, 4089, 4090, 4091, 4093, 4094, 4095, 4096, 4097]
        for _ in 0..<40 { lengths.append(Int.random(in: 1...4096, using: &rng)) }
        for n in lengths {
            for (name, bytes) in Self.inputs(&rng, count: n) {
                // Copied at offsets 0...15 of a 64-byte aligned buffer: every load alignment.
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: n + 80, alignment: 64)
                defer { buffer.deallocate() }
                for shift in 0..<16 {
                    // Guard bytes around the input: the kernel must read none of them into its counts.
                    buffer.initializeMemory(as: UInt8.self, repeating: 0xA5, count: n + 80)
                    bytes.withUnsafeBytes { b in
                        if n > 0 { (buffer + shift).copyMemory(from: b.baseAddress!, byteCount: n) }
                    }
                    let p = UnsafeRawPointer(buffer + shift)
                    let want = Self.referenceHistogram(p, count: n)
                    let got = Self.kernelHistogram(p, count: n)
                    #expect(got == want, "\(name), \(n) bytes at +\(shift), \(rng)")
                    var t = ByteTally()
                    MapClassifier.tallyUnit(p, count: n, into: &t)
                    #expect(t == Self.referenceTally(p, count: n), "\(name), \(n) bytes at +\(shift), \(rng)")
                    #expect(MapClassifier.isZero(p, count: n) == (n > 0 && want[0] == UInt32(n)), "\(name), \(n) bytes at +\(shift)")
                }
            }
        }
    }

    @Test("lengths past a 16-bit counter: 65535, 65536, 1 MiB + 3 of one value, and random, count every byte")
    func longInputs() {
        var rng = SeededRandom.fromEnvironment()
        for n in [65519, 65520, 65521, 65535, 65536, 131_071, (1 << 20) + 3] {
            for (name, bytes) in [("a", [UInt8](repeating: 0x61, count: n)),
                                  ("random", (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })] {
                bytes.withUnsafeBytes { b in
                    let p = b.baseAddress! + 1
                    let m = n - 1
                    #expect(Self.kernelHistogram(p, count: m) == Self.referenceHistogram(p, count: m), "\(name), \(m) bytes, \(rng)")
                }
            }
        }
    }
}
