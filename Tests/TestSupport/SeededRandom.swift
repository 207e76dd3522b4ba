import Foundation
import LinuxAIO

/// A reproducible random generator for tests (SplitMix64). The seed comes from
/// `BLKVIEW_TEST_SEED` (decimal or 0x-hex) when set, else is drawn fresh;
/// `description` names it, so that a failure message can say how to repeat
/// the run: `#expect(…, "\(rng)")`.
public struct SeededRandom: RandomNumberGenerator, Sendable, CustomStringConvertible {
    public let seed: UInt64
    private var inner: SplitMix64

    public init(seed: UInt64) {
        self.seed = seed
        inner = SplitMix64(seed: seed)
    }

    /// Seeded from `BLKVIEW_TEST_SEED` when set, else randomly. Prints the
    /// seed, so that even a trap (which ends the process) leaves it in the log.
    public static func fromEnvironment(_ test: String = #function) -> SeededRandom {
        let text = ProcessInfo.processInfo.environment["BLKVIEW_TEST_SEED"]
        let given = text.flatMap { $0.hasPrefix("0x") ? UInt64($0.dropFirst(2), radix: 16) : UInt64($0) }
        let rng = SeededRandom(seed: given ?? UInt64.random(in: 0...UInt64.max))
        print("\(test): \(rng)")
        return rng
    }

    public mutating func next() -> UInt64 { inner.next() }

    public var description: String { "seed \(seed) (repeat with BLKVIEW_TEST_SEED=\(seed))" }
}
