/// Text from media, a journal or a path, made safe to print to a terminal.
///
/// Paths, labels and journal fields are hostile input: an ESC in a file name
/// can move the cursor or retitle the terminal, and a newline can forge a
/// second line of output. Every message that echoes such text goes through
/// `terminalSafe`.
extension String {
    /// The string with every control character (C0, DEL, C1, bidi overrides)
    /// written as an escape: `\n`, `\r`, `\t`, `\e` (ESC), else `\xNN` or
    /// `\u{NNNN}`. Printable text, backslashes included, is kept as it is.
    public var terminalSafe: String {
        guard unicodeScalars.contains(where: \.isTerminalControl) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for s in unicodeScalars {
            guard s.isTerminalControl else {
                out.unicodeScalars.append(s)
                continue
            }
            switch s {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{1B}": out += "\\e"
            default:
                let hex = String(s.value, radix: 16)
                out += s.value < 0x100
                    ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                    : "\\u{\(hex)}"
            }
        }
        return out
    }
}

extension Unicode.Scalar {
    /// C0 controls, DEL, C1 controls, and the bidirectional overrides that
    /// can reorder what a terminal shows (U+202A…U+202E, U+2066…U+2069).
    var isTerminalControl: Bool {
        switch value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
