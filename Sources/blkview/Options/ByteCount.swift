import ArgumentParser
import Inspector

/// A size as people type it (`4096`, `0x1000`, `4k`, `4KiB`, `1MiB`): the one
/// parser of every size option (`--block-size`, `--page-size`, `--cache`,
/// `--length`), over `ByteSize.parse`.
struct ByteCount: ExpressibleByArgument, Sendable, Equatable {
    let bytes: Int64

    init(_ bytes: Int64) { self.bytes = bytes }

    /// nil (ArgumentParser's one line naming the option and the value) when
    /// `argument` is not a non-negative size that fits in 63 bits.
    init?(argument: String) {
        guard let b = ByteSize.parse(argument) else { return nil }
        bytes = b
    }

    /// The byte count as an `Int` (sizes options bound far below 2^63).
    var int: Int { Int(bytes) }

    var isPowerOfTwo: Bool { bytes > 0 && bytes & (bytes - 1) == 0 }

    /// `--help` shows the default as typed: `64KiB`, not 65536.
    var defaultValueDescription: String {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= Int64(1) << shift && bytes % (Int64(1) << shift) == 0 {
            return "\(bytes >> Int64(shift))\(unit)"
        }
        return "\(bytes)"
    }
}
