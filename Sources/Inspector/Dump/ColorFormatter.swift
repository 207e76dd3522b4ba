/// A hexyl-like dump: a frame, the offset, two groups of eight bytes and the
/// characters, each byte coloured by its class — NUL (grey `⋄`), printable
/// ASCII (cyan), ASCII whitespace (green `_`), other ASCII (green `•`) and
/// non-ASCII (yellow `×`). Repeated lines become one `*` line, as in hexyl.
/// With `color: false` (NO_COLOR) the layout is the same without escapes.
///
/// Streaming like `HexdumpFormatter`: `feed` pieces, then `finish`.
public struct ColorFormatter {
    public private(set) var offset: Int64
    private let color: Bool
    private var carry: [UInt8] = []
    private var prev: [UInt8] = []
    private var squeezing = false
    private var started = false
    private let hexCells: [[UInt8]]
    private let charCells: [[UInt8]]
    private let classes: [ByteClass]
    /// The colour in effect on the line being written (nil: the frame's).
    private var inEffect: ByteClass?

    /// Byte classes, as hexyl names them.
    public enum ByteClass: Sendable {
        case null, asciiPrintable, asciiWhitespace, asciiOther, nonASCII

        public init(_ b: UInt8) {
            switch b {
            case 0: self = .null
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20: self = .asciiWhitespace
            case 0x21...0x7E: self = .asciiPrintable
            case 0x01...0x7F: self = .asciiOther
            default: self = .nonASCII
            }
        }

        var sgr: String {
            switch self {
            case .null: "\u{1B}[38;5;242m"
            case .asciiPrintable: "\u{1B}[36m"
            case .asciiWhitespace, .asciiOther: "\u{1B}[32m"
            case .nonASCII: "\u{1B}[33m"
            }
        }

        func glyph(_ b: UInt8) -> String {
            switch self {
            case .null: "⋄"
            case .asciiPrintable: String(UnicodeScalar(b))
            case .asciiWhitespace: b == 0x20 ? " " : "_"
            case .asciiOther: "•"
            case .nonASCII: "×"
            }
        }
    }

    static let reset = Array("\u{1B}[0m".utf8)
    static let frameSGR = "\u{1B}[38;5;242m"

    public init(start: Int64, color: Bool) {
        offset = start
        self.color = color
        classes = (0..<256).map { ByteClass(UInt8($0)) }
        hexCells = (0..<256).map { b in Array(((b < 16 ? "0" : "") + String(b, radix: 16)).utf8) }
        charCells = (0..<256).map { b in Array(ByteClass(UInt8(b)).glyph(UInt8(b)).utf8) }
    }

    private func frame(_ l: String, _ m: String, _ r: String) -> String {
        let h = { (n: Int) in String(repeating: "─", count: n) }
        let line = l + h(8) + m + h(25) + m + h(25) + m + h(8) + m + h(8) + r
        return (color ? Self.frameSGR : "") + line + (color ? "\u{1B}[0m" : "") + "\n"
    }

    private mutating func bar(_ s: String) -> [UInt8] {
        defer { inEffect = nil }
        return Array(((color && inEffect != nil ? Self.frameSGR : "") + s).utf8)
    }

    /// The cell of byte `b`, preceded by its colour when that changes.
    private mutating func cell(_ b: UInt8, _ cells: [[UInt8]], into out: DumpBuffer) {
        let c = classes[Int(b)]
        if color && c != inEffect {
            out.append(c.sgr)
            inEffect = c
        }
        out.append(cells[Int(b)])
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into out: DumpBuffer) {
        if !started {
            out.append(frame("┌", "┬", "┐"))
            started = true
        }
        var i = 0
        while i < bytes.count {
            let take = min(16 - carry.count, bytes.count - i)
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
            i += take
            if carry.count == 16 {
                line(carry, into: out)
                carry.removeAll(keepingCapacity: true)
            }
        }
    }

    public mutating func finish(into out: DumpBuffer) {
        if !started {
            out.append(frame("┌", "┬", "┐"))
            started = true
        }
        if !carry.isEmpty { line(carry, into: out, last: true) }
        out.append(frame("└", "┴", "┘"))
    }

    private mutating func line(_ bytes: [UInt8], into out: DumpBuffer, last: Bool = false) {
        defer { offset += Int64(bytes.count) }
        if !last && bytes == prev {
            if !squeezing {
                inEffect = .null
                out.append(bar("│") + Array("*       ".utf8) + bar("│") + Array(String(repeating: " ", count: 25).utf8)
                           + bar("┊") + Array(String(repeating: " ", count: 25).utf8) + bar("│        ┊        │")
                           + (color ? Self.reset : []) + [0x0A])
                squeezing = true
            }
            return
        }
        squeezing = false
        prev = bytes
        var offsetText = String(UInt64(bitPattern: offset), radix: 16)
        if offsetText.count < 8 { offsetText = String(repeating: "0", count: 8 - offsetText.count) + offsetText }
        inEffect = .null  // force the frame colour at the start of a line
        out.append(bar("│") + Array(offsetText.utf8) + bar("│"))
        for k in 0..<16 {
            if k == 8 { out.append(bar(" ┊")) }
            out.append([0x20])
            if k < bytes.count { cell(bytes[k], hexCells, into: out) } else { out.append([0x20, 0x20]) }
        }
        out.append(bar(" │"))
        for k in 0..<16 {
            if k == 8 { out.append(bar("┊")) }
            if k < bytes.count { cell(bytes[k], charCells, into: out) } else { out.append([0x20]) }
        }
        out.append(bar("│") + (color ? Self.reset : []) + [0x0A])
    }
}
