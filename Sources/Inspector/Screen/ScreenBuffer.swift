/// What a cell means; the terminal layer maps roles to colours and attributes
/// (and to attributes only under NO_COLOR).
public enum Role: UInt8, Sendable, CaseIterable {
    case normal
    case dim
    case offset
    case offsetSector      // the first row of a sector
    case separator
    case byteNull          // 0x00
    case bytePrintable     // 0x21…0x7e
    case byteWhitespace    // space, \t \n \r \v \f
    case byteOtherASCII    // other 0x01…0x7f
    case byteNonASCII      // 0x80…0xff
    case placeholder       // not loaded yet
    case unreadable        // the read failed: ??
    case cursor
    case cursorMirror      // the cursor's byte in the other column
    case match             // search match
    case staged            // a staged patch
    case region            // bytes of the known structure under the cursor
    case fileRun           // bytes of the file selected in the Files panel
    case statusBar
    case statusAccent
    case keyBar
    case keyBarKey
    case panelBorder
    case panelTitle
    case panelFocused
    case good
    case warning
    case error
    case prompt
}

/// One terminal cell: a character and its role.
public struct Cell: Equatable, Sendable {
    public var char: Character
    public var role: Role
    public init(_ char: Character, _ role: Role = .normal) {
        self.char = char
        self.role = role
    }
    public static let blank = Cell(" ")
}

/// A headless screen: the renderer draws into it, the terminal layer diffs it
/// into ncurses, and tests compare it with golden text.
public struct ScreenBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0 && x < width && y >= 0 && y < height { cells[y * width + x] = newValue } }
    }

    /// Writes `text` at (x, y), clipped to the buffer (and to `maxWidth`);
    /// returns the column after the last character written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role = .normal, maxWidth: Int? = nil) -> Int {
        guard y >= 0 && y < height else { return x }
        let limit = min(width, maxWidth.map { x + $0 } ?? width)
        var col = x
        for ch in text {
            if col >= limit { break }
            if col >= 0 { cells[y * width + col] = Cell(ch, role) }
            col += 1
        }
        return col
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, with cell: Cell = .blank) {
        for yy in max(0, y)..<min(height, y + h) {
            for xx in max(0, x)..<min(width, x + w) { cells[yy * width + xx] = cell }
        }
    }

    /// Sets the role of a run of cells, keeping their characters.
    public mutating func paint(x: Int, y: Int, width w: Int, role: Role) {
        guard y >= 0 && y < height else { return }
        for xx in max(0, x)..<min(width, x + w) { cells[y * width + xx].role = role }
    }

    /// A box with a title on its top border.
    public mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String, focused: Bool) {
        guard w >= 2 && h >= 2 else { return }
        let role: Role = focused ? .panelFocused : .panelBorder
        put("┌" + String(repeating: "─", count: w - 2) + "┐", x: x, y: y, role: role)
        for yy in (y + 1)..<(y + h - 1) {
            put("│", x: x, y: yy, role: role)
            put("│", x: x + w - 1, y: yy, role: role)
        }
        put("└" + String(repeating: "─", count: w - 2) + "┘", x: x, y: y + h - 1, role: role)
        put(" \(title) ", x: x + 2, y: y, role: focused ? .panelFocused : .panelTitle, maxWidth: w - 4)
    }

    /// The text of row `y`, trailing spaces kept (golden files compare whole screens).
    public func line(_ y: Int) -> String {
        String(cells[(y * width)..<((y + 1) * width)].map(\.char))
    }

    /// The whole screen as text, one line per row.
    public var text: String {
        (0..<height).map(line).joined(separator: "\n")
    }
}
