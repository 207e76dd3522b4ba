/// `?`: every key, in a box over the view.
enum HelpOverlay {
    static let lines: [String] = [
        "Move       ←↓↑→ or h j k l    byte / row",
        "Page       PgDn Space Ctrl-F   PgUp Ctrl-B    g Home start  G End end",
        "Goto       : or F2   0x1fe 510 4KiB s2048 +0x200 -512 p2 p2+s100",
        "Search     / or F3  de ad be ef or \"text\"  n/N next/prev, Esc stops",
        "Panels     i/F4 in flight  L/F5 latency  w/F6 journal",
        "           s/F7 structure: ↑↓ select, Enter jumps, S lost partitions",
        "           f/F11 files: Enter/→ open, ← close, / filter, Enter jumps",
        "           m/F8 map  [ ] class change, Enter/click jumps, p partition",
        "           I/F9 inspector: ↑↓ field, Enter sets it (edit mode)",
        "           Tab focus   + / - panel height",
        "Retry      r   read unreadable pages again   H H  cancel --hash",
        "Edit       e edit mode (needs --write; never in --forensic)",
        "           hex digits stage · Tab hex/text column · u undo",
        "           W write: sync n/d/f · c checksums · y confirms · Esc leave",
        "Quit       q or F10    Help ? or F1    Wheel scrolls three rows",
    ]

    /// The byte legend in the glyphs the screen uses.
    static func legend(_ g: GlyphSet) -> [String] {
        ["Bytes: \(g.null) NUL  \(g.whitespace) TAB CR LF  \(g.otherASCII) other ASCII  \(g.nonASCII) non-ASCII  (space: blank)",
         "       \(g.pending)\(g.pending) not loaded yet   ?? unreadable"]
    }

    static func draw(_ b: inout ScreenBuffer, _ s: ViewerState) {
        var lines = Self.lines + legend(s.glyphs)
        if let log = s.sessionLogPath { lines.append("Session log  \(log)") }
        lines += ["", "any key closes this help"]
        let w = min(b.width - 2, (lines.map(\.count).max() ?? 0) + 4)
        // Above the status bar and the key bar.
        let h = min(b.height - 3, lines.count + 2)
        let x = (b.width - w) / 2
        let y = max(0, (b.height - 2 - h) / 2)
        b.fill(x: x, y: y, width: w, height: h)
        b.box(x: x, y: y, width: w, height: h, title: "blkview keys", focused: true)
        for (i, line) in lines.prefix(h - 2).enumerated() {
            b.put(line, x: x + 2, y: y + 1 + i, maxWidth: w - 4)
        }
    }
}
