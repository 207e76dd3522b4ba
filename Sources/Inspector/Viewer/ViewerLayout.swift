/// Where things go on the screen, derived from the state (never stored).
public struct ViewerLayout: Equatable, Sendable {
    public let bytesPerRow: Int
    /// Hex digits of the offset column.
    public let offsetDigits: Int
    /// Row 0 is the column header; hex rows follow.
    public let hexTop: Int
    public let hexRows: Int
    public let panelTop: Int
    public let panelRows: Int
    public let statusRow: Int
    public let bottomRow: Int
    /// Column where the hex bytes start, and where the ASCII column starts.
    public let hexColumn: Int
    public let asciiColumn: Int
    /// Whether the `LBA n` marker fits right of the ASCII column.
    public let showsLBA: Bool

    public init(_ s: ViewerState) {
        let digits = Self.offsetDigits(size: s.source.size)
        offsetDigits = digits
        func rowWidth(_ n: Int) -> Int { Self.columnsNeeded(bytesPerRow: n, offsetDigits: digits) }
        var bpr: Int
        if let r = s.requestedBytesPerRow {
            bpr = r
        } else {
            bpr = rowWidth(32) <= s.width ? 32 : 16
        }
        while bpr > 8 && rowWidth(bpr) > s.width { bpr /= 2 }
        bytesPerRow = bpr
        hexColumn = digits + 2
        asciiColumn = hexColumn + bpr * 3 + (bpr / 8 - 1) + 1
        showsLBA = asciiColumn + bpr + 1 + 12 <= s.width
        statusRow = s.height - 2
        bottomRow = s.height - 1
        var want = s.panelHeight
        // The structure panel opens tall enough for its rows, up to half the
        // screen, until + or - chooses a height.
        if s.panels.contains(.structure) && !s.panelHeightChosen {
            want = max(want, min(s.structureContentRows + 2, s.height / 2))
        }
        if s.panels.contains(.inspector) && !s.panelHeightChosen {
            want = max(want, min(DataInspectorPanel.rowsWanted(s) + 2, s.height / 2))
        }
        if s.panels.contains(.files) && !s.panelHeightChosen { want = max(want, s.height / 2) }
        let wantPanels = s.panels.isEmpty ? 0 : min(want, max(0, s.height - 8))
        panelRows = wantPanels
        hexTop = 1
        hexRows = max(1, s.height - 3 - wantPanels)
        panelTop = hexTop + hexRows
    }

    /// Hex digits of the offset column for media of `size` bytes.
    static func offsetDigits(size: Int64) -> Int { max(8, String(max(size - 1, 0), radix: 16).count) }

    /// Terminal columns a row of `n` bytes needs (offset, hex, text column).
    static func columnsNeeded(bytesPerRow n: Int, offsetDigits digits: Int) -> Int {
        digits + 2 + n * 3 + (n / 8 - 1) + 1 + n + 1
    }

    /// Bytes shown on one screen.
    public var screenBytes: Int64 { Int64(bytesPerRow * hexRows) }

    /// Column of byte `i` (0-based within the row) in the hex area.
    public func hexX(_ i: Int) -> Int { hexColumn + i * 3 + i / 8 }
}

extension ViewerState {
    public var layout: ViewerLayout { ViewerLayout(self) }

    /// Why `--width` is not honoured at this terminal width, or nil:
    /// "--width 32 needs 143 columns; showing 16".
    public var widthNote: String? {
        guard let r = requestedBytesPerRow else { return nil }
        let shown = layout.bytesPerRow
        guard shown < r else { return nil }
        let need = ViewerLayout.columnsNeeded(bytesPerRow: r, offsetDigits: ViewerLayout.offsetDigits(size: source.size))
        return "--width \(r) needs \(need) columns (this terminal has \(width)); showing \(shown)"
    }

    /// The first frame's notes, before any other message: why `--width` is
    /// not honoured, and where a forensic session's log goes.
    public mutating func announceStart() {
        var notes = [widthNote, sessionLogPath.map { "session log: \($0)" }].compactMap { $0 }
        if let m = message { notes.append(m.text) }
        guard !notes.isEmpty else { return }
        message = .init(text: notes.joined(separator: " · "), role: widthNote != nil || message?.role == .warning ? .warning : .dim)
    }

    /// The byte range the hex view shows now.
    public var visibleRange: Range<Int64> {
        let l = layout
        let end = min(source.size, top + l.screenBytes)
        return top..<max(top, end)
    }
}
