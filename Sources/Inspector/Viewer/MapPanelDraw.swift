/// Draws the overview map panel: a legend, the cells (partition starts and
/// the cursor's cell marked) and a line about the selected cell.
enum MapPanel {
    typealias Rect = StructurePanel.Rect

    /// The character and role of a class.
    static func glyph(_ c: MapClass, _ g: GlyphSet) -> (Character, Role) {
        let u = g == .unicode
        switch c {
        case .zero: return (u ? "·" : ".", .byteNull)
        case .low: return (u ? "▒" : ":", .bytePrintable)
        case .high: return (u ? "█" : "#", .byteNonASCII)
        case .unreadable: return ("?", .unreadable)
        case .unsampled: return ("-", .placeholder)
        }
    }

    static func title(_ s: ViewerState) -> String {
        let scope = s.mapView.partition.map { "p\($0.index)" } ?? "whole media"
        guard let m = s.mapView.map else { return "Map · \(scope)" }
        let pct = Int((m.progress * 100).rounded(.down))
        let phase: String
        switch m.phase {
        case .holes: phase = "finding holes…"
        case .coarse: phase = "sampling \(pct)% · Esc stops"
        case .refining: phase = "refining near the cursor · Esc stops"
        case .complete: phase = "complete"
        case .stopped: phase = "stopped at \(pct)% · m m restarts"
        }
        return "Map · \(scope) · \(phase)"
    }

    /// `high entropy · 7.95 bits/B · 0% zeros · 16 MiB`, what a cell holds.
    static func describe(_ c: MapCell) -> String {
        var parts = [c.mapClass.label]
        if let e = c.entropy { parts.append(String(format2(e)) + " bits/B") }
        if let z = c.zeroFraction { parts.append("\(Int((z * 100).rounded()))% zeros") }
        parts.append(ByteSize.format(c.length))
        if c.exact { parts.append("exact") } else if c.readBytes > 0 { parts.append("sampled") }
        return parts.joined(separator: " · ")
    }

    static func format2(_ v: Double) -> String {
        let t = Int((v * 100).rounded())
        let f = t % 100
        return "\(t / 100).\(f < 10 ? "0" : "")\(f)"
    }

    static func draw(_ b: inout ScreenBuffer, _ r: Rect, _ s: ViewerState) {
        guard let grid = s.mapGrid, let map = s.mapView.map else {
            b.put("starting the map…", x: r.x, y: r.y, role: .dim, maxWidth: r.w)
            return
        }
        if grid.inner.h >= 3 { legend(&b, r, s.glyphs) }
        let cells = map.grouped(grid.cells)
        let cursorCell = s.mapCursorCell(grid, map.plan)
        let selected = s.focus == .map ? s.mapView.selection ?? cursorCell : nil
        var starts = Set<Int>()
        let sector = s.disk?.sectorSize ?? s.source.sectorSize
        for p in s.disk?.partitions ?? [] {
            if let lo = p.byteRange(sectorSize: sector)?.lowerBound, let f = map.plan.index(of: lo) {
                starts.insert(ViewerState.displayIndex(f, plan: map.plan, groups: grid.cells))
            }
        }
        for (j, c) in cells.enumerated() {
            var (ch, role) = glyph(c.mapClass, s.glyphs)
            if starts.contains(j) { ch = "|" }
            if j == cursorCell { role = selected == nil || selected == j ? .cursor : .cursorMirror }
            if j == selected { role = .cursor }
            b.put(String(ch), x: grid.x + j % grid.columns, y: grid.y + j / grid.columns, role: role)
        }
        guard grid.inner.h >= 3 else { return }
        let y = grid.inner.y + grid.inner.h - 1
        guard let j = selected ?? cursorCell else {
            b.put("the cursor is outside the mapped range · p: whole media", x: r.x, y: y, role: .dim, maxWidth: r.w)
            return
        }
        let c = cells[j]
        let head = (selected != nil ? "cell " : "cursor's cell ") + "0x\(String(c.offset, radix: 16)): "
        let keys = s.focus == .map ? " · ←→↑↓ select · Enter jumps · p partition" : " · [ ] class change · Tab to select"
        b.put(head + describe(c) + keys, x: r.x, y: y, role: .dim, maxWidth: r.w)
    }

    private static func legend(_ b: inout ScreenBuffer, _ r: Rect, _ g: GlyphSet) {
        var x = r.x
        for c in MapClass.allCases {
            let (ch, role) = glyph(c, g)
            x = b.put(String(ch), x: x, y: r.y, role: role, maxWidth: r.x + r.w - x)
            x = b.put(" \(c.label)  ", x: x, y: r.y, role: .dim, maxWidth: r.x + r.w - x)
        }
        x = b.put("|", x: x, y: r.y, role: .normal, maxWidth: r.x + r.w - x)
        b.put(" partition start", x: x, y: r.y, role: .dim, maxWidth: r.x + r.w - x)
    }
}
