import LinuxAIO

/// `render(state, snapshot) -> ScreenBuffer`: pure, no I/O, no terminal.
public enum ViewerRenderer {
    public static func render(_ s: ViewerState, _ snap: FrameSnapshot) -> ScreenBuffer {
        var b = ScreenBuffer(width: s.width, height: s.height)
        guard s.width >= 20 && s.height >= 6 else {
            b.put("terminal too small", x: 0, y: 0, role: .warning)
            return b
        }
        let l = s.layout
        header(&b, s, l)
        hexRows(&b, s, l, snap)
        if l.panelRows > 0 { PanelRenderer.draw(&b, s, l, snap) }
        statusBar(&b, s, l, snap)
        bottomRow(&b, s, l)
        if s.showHelp { HelpOverlay.draw(&b, s) }
        if s.glyphs == .ascii { b.asciiOnly() }
        return b
    }

    private static func header(_ b: inout ScreenBuffer, _ s: ViewerState, _ l: ViewerLayout) {
        b.put(String("offset".prefix(l.offsetDigits)), x: 0, y: 0, role: .dim)
        for i in 0..<l.bytesPerRow {
            b.put(hex2(UInt8(i)), x: l.hexX(i), y: 0, role: .dim)
        }
        var ascii = ""
        for i in 0..<l.bytesPerRow { ascii.append(Character(String(i % 16, radix: 16))) }
        b.put(ascii, x: l.asciiColumn, y: 0, role: .dim)
    }

    private static func hexRows(_ b: inout ScreenBuffer, _ s: ViewerState, _ l: ViewerLayout, _ snap: FrameSnapshot) {
        let bpr = l.bytesPerRow
        let match: Range<Int64>? = s.search.lastMatch.map { $0..<($0 + Int64(s.search.pattern?.bytes.count ?? 1)) }
        let sector = Int64(max(1, s.source.sectorSize))
        let field = s.fieldUnderCursor?.range
        for r in 0..<l.hexRows {
            let y = l.hexTop + r
            let rowOff = s.top + Int64(r * bpr)
            guard rowOff < s.source.size else { break }
            let sectorStart = rowOff % sector == 0
            let offText = String(rowOff, radix: 16)
            b.put(String(repeating: "0", count: max(0, l.offsetDigits - offText.count)) + offText,
                  x: 0, y: y, role: sectorStart ? .offsetSector : .offset)
            b.put(sectorStart ? "├" : "│", x: l.offsetDigits, y: y, role: .separator)
            b.put(sectorStart ? "┤" : "│", x: l.asciiColumn - 1, y: y, role: .separator)
            for i in 0..<bpr {
                let off = rowOff + Int64(i)
                let idx = Int(off - s.top)
                let cell: ByteCell = idx < snap.cells.count ? snap.cells[idx] : (off < s.source.size ? .pending : .pastEnd)
                var (hex, ch, role) = glyphs(cell, s.glyphs)
                if s.files.tinted(off) { role = .fileRun }
                if let f = field, f.contains(off) { role = .region }
                if let m = match, m.contains(off) { role = .match }
                if let st = s.edits.staged(at: off) {
                    // Staged: the byte as it will be written (a half-typed
                    // byte over a page not loaded yet shows its typed nibble).
                    if let v = cell.value ?? (st.mask == 0xFF ? st.value : nil) {
                        (hex, ch, _) = glyphs(.byte(st.apply(to: v)), s.glyphs)
                    } else {
                        hex = st.mask == 0xF0 ? String(hex2(st.value).prefix(1)) + "·" : "·" + String(hex2(st.value).suffix(1))
                    }
                    role = .staged
                }
                let textCursor = s.edit?.column == .ascii
                let hexRole: Role = off == s.cursor ? (textCursor ? .cursorMirror : .cursor) : role
                let asciiRole: Role = off == s.cursor ? (textCursor ? .cursor : .cursorMirror) : role
                b.put(hex, x: l.hexX(i), y: y, role: hexRole)
                b.put(String(ch), x: l.asciiColumn + i, y: y, role: asciiRole)
            }
            if sectorStart && l.showsLBA {
                b.put("LBA \(rowOff / sector)", x: l.asciiColumn + bpr + 1, y: y, role: .dim)
            }
        }
    }

    /// Hex text, text-column glyph and role for one cell, in the hexyl
    /// manner, except that TAB and the other whitespace have their own
    /// glyph: a space, a TAB and `_` must look different without colour.
    static func glyphs(_ c: ByteCell, _ g: GlyphSet = .unicode) -> (String, Character, Role) {
        switch c {
        case let .byte(v):
            switch v {
            case 0: return (hex2(v), g.null, .byteNull)
            case 0x20: return (hex2(v), " ", .byteWhitespace)
            case 0x09, 0x0a, 0x0b, 0x0c, 0x0d: return (hex2(v), g.whitespace, .byteWhitespace)
            case 0x21...0x7e: return (hex2(v), Character(Unicode.Scalar(v)), .bytePrintable)
            case 0x01...0x7f: return (hex2(v), g.otherASCII, .byteOtherASCII)
            default: return (hex2(v), g.nonASCII, .byteNonASCII)
            }
        case .pending: return (String(repeating: g.pending, count: 2), g.pending, .placeholder)
        case .unreadable: return ("??", "?", .unreadable)
        case .pastEnd: return ("  ", " ", .normal)
        }
    }

    private static func statusBar(_ b: inout ScreenBuffer, _ s: ViewerState, _ l: ViewerLayout, _ snap: FrameSnapshot) {
        let y = l.statusRow
        b.fill(x: 0, y: y, width: s.width, height: 1, with: Cell(" ", .statusBar))
        var x = 1
        for (i, (t, role)) in statusParts(s, snap).enumerated() {
            if i > 0 { x = b.put(" │ ", x: x, y: y, role: .statusBar) }
            x = b.put(t, x: x, y: y, role: role)
            if x >= s.width { break }
        }
    }

    /// The status bar's parts in screen order, after dropping the least
    /// useful ones that do not fit: the cache figure first, then the engine,
    /// the sector size, the session log, the size; the cursor's offset and
    /// the field under it go last.
    static func statusParts(_ s: ViewerState, _ snap: FrameSnapshot) -> [(String, Role)] {
        let sector = Int64(max(1, s.source.sectorSize))
        // (text, role, priority): a higher priority stays longer.
        var parts: [(String, Role, Int)] = [
            (s.source.path, .statusAccent, 9),
            (ByteSize.format(s.source.size), .statusBar, 5),
            (s.source.access.rawValue, s.source.access == .readOnly ? .statusBar : .statusAccent, 7),
        ]
        if let e = s.edit { parts.append((e.column == .hex ? "EDIT hex" : "EDIT text", .statusAccent, 9)) }
        if !s.edits.isEmpty { parts.append(("\(s.edits.count) staged", .statusAccent, 9)) }
        if s.committing { parts.append(("writing…", .statusAccent, 9)) }
        if let t = s.background?.text { parts.append((t, .statusAccent, 6)) }
        if let log = s.sessionLogPath { parts.append(("log " + log, .statusBar, 4)) }
        parts += [
            ("\(s.source.sectorSize) B sectors", .statusBar, 3),
            (s.source.engine, .statusBar, 2),
            ("0x\(String(s.cursor, radix: 16)) LBA \(s.cursor / sector)", .statusAccent, 10),
        ]
        if let h = snap.cache.hitRate { parts.append(("cache \(Int((h * 100).rounded()))%", .statusBar, 1)) }
        if snap.cache.unreadableRanges > 0 { parts.append(("\(snap.cache.unreadableRanges) unreadable", .statusAccent, 8)) }
        if let p = s.search.progress {
            let pct = p.total > 0 ? Int(Double(p.done) / Double(p.total) * 100) : 0
            parts.append(("searching \(pct)% (Esc cancels)", .statusAccent, 8))
        }
        if let f = s.fieldUnderCursor?.text { parts.append((f, .statusAccent, 8)) }
        if let o = s.files.ownerText(at: s.cursor), !o.isEmpty { parts.append((o, .statusAccent, 8)) }
        if let m = s.files.mapText { parts.append((m, .statusBar, 6)) }
        func width(_ p: [(String, Role, Int)]) -> Int { 1 + p.reduce(0) { $0 + $1.0.count } + 3 * max(0, p.count - 1) }
        var pathShortened = false
        while parts.count > 1 && width(parts) > s.width {
            // The lowest priority goes; among equals, the rightmost. Before
            // the field decode or a warning would go, the path gives up its
            // directories (`…/disk.img`): the decode is worth more.
            let low = parts.map(\.2).min()!
            if low >= 8, !pathShortened, let i = parts.firstIndex(where: { $0.2 == 9 && $0.0 == s.source.path }),
               let slash = s.source.path.lastIndex(of: "/") {
                parts[i].0 = "…" + s.source.path[slash...]
                pathShortened = true
                continue
            }
            parts.remove(at: parts.lastIndex { $0.2 == low }!)
        }
        return parts.map { ($0.0, $0.1) }
    }

    private static func bottomRow(_ b: inout ScreenBuffer, _ s: ViewerState, _ l: ViewerLayout) {
        let y = l.bottomRow
        if let p = s.prompt {
            let label: String
            switch p.kind {
            case .goto: label = "goto: "
            case .search: label = "search (hex or \"text\"): "
            case let .inspector(f): label = "\(f.rawValue) at 0x\(String(s.cursor, radix: 16)) (\(f.hint)): "
            }
            var x = b.put(label, x: 0, y: y, role: .prompt)
            x = b.put(p.text, x: x, y: y)
            b.put("█", x: x, y: y, role: .prompt)
            return
        }
        if let c = s.commitPrompt {
            commitPrompt(&b, s, c, y: y)
            return
        }
        if let m = s.message {
            b.put(m.text, x: 0, y: y, role: m.role)
            return
        }
        if s.edit != nil {
            b.put("edit: hex digits stage · Tab hex/text · u undo · W write · Esc leave", x: 0, y: y, role: .prompt)
            return
        }
        var keys: [(String, String)] = [("F1", "Help"), ("F2", "Goto"), ("F3", "Search"), ("F4", "In-flight"),
                                        ("F5", "Latency"), ("F6", "Journal"), ("F7", "Disk"), ("F10", "Quit"), ("F11", "Files")]
        // F8 and F9 when they fit (F10 Quit must stay on an 80-column terminal).
        if s.width >= 96 { keys.insert(contentsOf: [("F8", "Map"), ("F9", "Inspect")], at: 7) }
        var x = 0
        for (k, name) in keys {
            guard x + k.count + 1 + name.count <= s.width else { break }  // a key shows whole or not at all
            x = b.put(k, x: x, y: y, role: .keyBarKey) + 1
            x = b.put(name, x: x, y: y, role: .keyBar)
            x += 1
        }
    }

    private static func commitPrompt(_ b: inout ScreenBuffer, _ s: ViewerState, _ c: CommitPrompt, y: Int) {
        let runs = s.edits.runs
        if y > 0 {
            let (text, role) = checksumLine(c.checksums)
            b.put(String(repeating: " ", count: s.width), x: 0, y: y - 1, role: role)
            b.put(text, x: 0, y: y - 1, role: role, maxWidth: s.width)
        }
        if c.confirming {
            let text = "write \(plural(s.edits.count, "byte")) (\(plural(runs.count, "run"))) to \(s.source.path), sync \(s.source.syncWords[c.sync] ?? c.sync.description)? y writes · any other key cancels"
            b.put(text, x: 0, y: y, role: .prompt)
            return
        }
        var x = b.put("write with sync: ", x: 0, y: y, role: .prompt)
        for level in [SyncLevel.none, .data, .full] {
            let label = s.source.syncWords[level] ?? level.description
            x = b.put(level == c.sync ? "[\(label)]" : " \(label) ", x: x, y: y, role: level == c.sync ? .cursor : .prompt) + 1
        }
        b.put(" n/d/f choose · Enter next · Esc cancels", x: x, y: y, role: .dim)
    }
}

/// `1 byte`, `2 bytes`, `0 runs`.
func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }
