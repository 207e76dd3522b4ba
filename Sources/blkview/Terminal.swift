import Foundation

enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}

/// A progress line on stderr that rewrites itself; only used on a terminal.
final class ProgressLine: Sendable {
    func show(_ text: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
