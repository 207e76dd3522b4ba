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
    fileprivate static let tables = ColorTableStorage()
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
        // One line written straight into the output through tables built
        // once: no allocation, no retain per byte (a line is 16 bytes of up
        // to 14 output bytes each, plus the frame: 1 KiB is plenty).
        let p = out.reserve(1024)
        var w = 0
        var effect: Int = -1  // the colour in effect: -1 the frame's, else a class index
        func put(_ bytes: UnsafeBufferPointer<UInt8>) {
            for b in bytes { p[w] = b; w += 1 }
        }
        do {
            let t = Self.tables
            func frameBar(_ piece: UnsafeBufferPointer<UInt8>) {
                if color && effect != -1 { put(t.frameSGR) }
                effect = -1
                put(piece)
            }
            func cellColor(_ b: UInt8) {
                let c = Int(t.classIndex[Int(b)])
                if color && c != effect {
                    put(t.sgr(c))
                    effect = c
                }
            }
            if color { put(t.frameSGR) }
            put(t.bar)
            let digits = max(8, (64 - UInt64(bitPattern: offset).leadingZeroBitCount + 3) / 4)
            var v = UInt64(bitPattern: offset)
            for i in stride(from: digits - 1, through: 0, by: -1) {
                let d = UInt8(v & 0xF)
                p[w + i] = d < 10 ? 0x30 + d : 0x57 + d
                v >>= 4
            }
            w += digits
            frameBar(t.bar)
            for k in 0..<16 {
                if k == 8 { frameBar(t.spaceDots) }
                p[w] = 0x20; w += 1
                if k < bytes.count {
                    let b = bytes[k]
                    cellColor(b)
                    p[w] = t.hex[Int(b) * 2]; p[w + 1] = t.hex[Int(b) * 2 + 1]; w += 2
                } else {
                    p[w] = 0x20; p[w + 1] = 0x20; w += 2
                }
            }
            frameBar(t.spaceBar)
            for k in 0..<16 {
                if k == 8 { frameBar(t.dots) }
                if k < bytes.count {
                    let b = bytes[k]
                    cellColor(b)
                    let n = Int(t.charLength[Int(b)])
                    for j in 0..<n { p[w + j] = t.chars[Int(b) * 4 + j] }
                    w += n
                } else {
                    p[w] = 0x20; w += 1
                }
            }
            frameBar(t.bar)
            if color { put(t.reset) }
        }
        p[w] = 0x0A
        out.commit(w + 1)
    }
}

/// The formatter's byte tables, built once for the process and never freed:
/// one line is written through them with no allocation and no retain.
///
/// `@unchecked Sendable`: the memory is written once, in `init`, before the
/// static `tables` publishes the object, and only read afterwards.
private final class ColorTableStorage: @unchecked Sendable {
    let hex: UnsafeBufferPointer<UInt8>  // two digits per byte value
    let chars: UnsafeBufferPointer<UInt8>  // the glyph's UTF-8, 4 bytes per value
    let charLength: UnsafeBufferPointer<UInt8>
    let classIndex: UnsafeBufferPointer<UInt8>
    let sgrs: [UnsafeBufferPointer<UInt8>]
    let frameSGR: UnsafeBufferPointer<UInt8>
    let reset: UnsafeBufferPointer<UInt8>
    let bar: UnsafeBufferPointer<UInt8>
    let spaceBar: UnsafeBufferPointer<UInt8>
    let dots: UnsafeBufferPointer<UInt8>
    let spaceDots: UnsafeBufferPointer<UInt8>

    private static func keep(_ bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
        let p = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
        _ = p.initialize(from: bytes)
        return UnsafeBufferPointer(rebasing: UnsafeBufferPointer(p)[0..<bytes.count])
    }

    init() {
        let classes: [ColorFormatter.ByteClass] = [.null, .asciiPrintable, .asciiWhitespace, .asciiOther, .nonASCII]
        hex = Self.keep((0..<256).flatMap { b in Array(((b < 16 ? "0" : "") + String(b, radix: 16)).utf8) })
        var chars = [UInt8](repeating: 0, count: 1024)
        var lengths = [UInt8](repeating: 0, count: 256)
        var index = [UInt8](repeating: 0, count: 256)
        for b in 0..<256 {
            let c = ColorFormatter.ByteClass(UInt8(b))
            let g = Array(c.glyph(UInt8(b)).utf8)
            for (j, x) in g.enumerated() { chars[b * 4 + j] = x }
            lengths[b] = UInt8(g.count)
            index[b] = UInt8(classes.firstIndex(of: c)!)
        }
        self.chars = Self.keep(chars)
        charLength = Self.keep(lengths)
        classIndex = Self.keep(index)
        sgrs = classes.map { Self.keep(Array($0.sgr.utf8)) }
        frameSGR = Self.keep(Array(ColorFormatter.frameSGR.utf8))
        reset = Self.keep(ColorFormatter.reset)
        bar = Self.keep(Array("│".utf8))
        spaceBar = Self.keep(Array(" │".utf8))
        dots = Self.keep(Array("┊".utf8))
        spaceDots = Self.keep(Array(" ┊".utf8))
    }

    func sgr(_ c: Int) -> UnsafeBufferPointer<UInt8> { sgrs[c] }
}
