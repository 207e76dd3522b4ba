/// The characters the viewer draws for byte classes, borders and markers:
/// Unicode when the locale can show it, ASCII when it cannot (`LANG=C`),
/// where ncurses would draw every other character as a blank.
public enum GlyphSet: Sendable, Equatable {
    case unicode
    case ascii

    /// TAB, LF, VT, FF, CR (a space shows as a space, as in hexyl).
    public var whitespace: Character { self == .unicode ? "→" : "~" }
    /// Other ASCII control characters (0x01…0x1f but whitespace, 0x7f).
    public var otherASCII: Character { self == .unicode ? "•" : "*" }
    /// 0x80…0xff.
    public var nonASCII: Character { self == .unicode ? "×" : "#" }
    /// NUL.
    public var null: Character { self == .unicode ? "⋄" : "." }
    /// A byte not loaded yet.
    public var pending: Character { self == .unicode ? "·" : ":" }

    /// The ASCII stand-in for a character the renderer draws (borders,
    /// arrows, ellipsis, separators); `?` for anything else above 0x7e.
    public static func asciiFallback(_ c: Character) -> Character {
        if c.isASCII { return c }
        switch c {
        case "─", "━", "╌": return "-"
        case "│", "┃": return "|"
        case "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼": return "+"
        case "█", "▇": return "#"
        case "▅", "▆": return "="
        case "▃", "▄": return "-"
        case "▁", "▂": return "_"
        case "…", "·", "⋄": return "."
        case "›", "→": return ">"
        case "←": return "<"
        case "↑": return "^"
        case "↓": return "v"
        case "×": return "x"
        case "•": return "*"
        case "µ": return "u"
        default: return "?"
        }
    }
}

extension ScreenBuffer {
    /// Replaces every non-ASCII character with its ASCII stand-in.
    public mutating func asciiOnly() {
        for y in 0..<height {
            for x in 0..<width where !self[x, y].char.isASCII {
                self[x, y].char = GlyphSet.asciiFallback(self[x, y].char)
            }
        }
    }
}
