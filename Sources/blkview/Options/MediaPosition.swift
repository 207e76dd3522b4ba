import ArgumentParser
import Inspector

/// A byte position on the media, in the viewer's goto syntax: `0x1fe`, `510`,
/// `4KiB`, `s2048` (sector 2048) and sums such as `s2048+0x10`. Partitions
/// (`p2`) need a partition table, which the batch options do not read, so
/// they are refused here. The text is checked when parsed; sectors become
/// bytes when the media's sector size is known (`resolve`).
struct MediaPosition: ExpressibleByArgument, Sendable, Equatable {
    let text: String

    init?(argument: String) {
        // The grammar only: a 512-byte sector and an unbounded size. The real
        // sector size and size are checked again by `resolve`.
        guard (try? GotoExpression.resolve(argument, cursor: 0, size: .max, sectorSize: 512)) != nil else { return nil }
        text = argument
    }

    /// The offset on media of `size` bytes with `sectorSize`-byte sectors.
    /// - Parameter size: positions at or past it are refused; pass `.max`
    ///   where the command handles the end itself.
    func resolve(size: Int64, sectorSize: Int) throws(GotoExpression.Failure) -> Int64 {
        try GotoExpression.resolve(text, cursor: 0, size: size, sectorSize: sectorSize)
    }

    /// A failure of `resolve` for `option`: `--at: 0x100000 is past the end …`.
    static func message(_ option: String, _ failure: any Error) -> String {
        "\(option): " + "\(failure)".replacingOccurrences(of: "goto: ", with: "")
    }

    var defaultValueDescription: String { text }
}
