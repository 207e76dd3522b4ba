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
        let digits = max(8, String(max(s.source.size - 1, 0), radix: 16).count)
        offsetDigits = digits
        func rowWidth(_ n: Int) -> Int { digits + 2 + n * 3 + (n / 8 - 1) + 1 + n + 1 }
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
        let wantPanels = s.panels.isEmpty ? 0 : min(s.panelHeight, max(0, s.height - 8))
        panelRows = wantPanels
        hexTop = 1
        hexRows = max(1, s.height - 3 - wantPanels)
        panelTop = hexTop + hexRows
    }

    /// Bytes shown on one screen.
    public var screenBytes: Int64 { Int64(bytesPerRow * hexRows) }

    /// Column of byte `i` (0-based within the row) in the hex area.
    public func hexX(_ i: Int) -> Int { hexColumn + i * 3 + i / 8 }
}

extension ViewerState {
    public var layout: ViewerLayout { ViewerLayout(self) }

    /// The byte range the hex view shows now.
    public var visibleRange: Range<Int64> {
        let l = layout
        let end = min(source.size, top + l.screenBytes)
        return top..<max(top, end)
    }
}
