import Inspector
import LinuxAIO
import Testing

/// The map panel and the data inspector in the reducer and the renderer (no terminal).
@Suite struct MapPanelTests {
    /// 1 MiB of 256 cells: zero, low, high, zero, a quarter each.
    static func map(_ plan: MapPlan, fill: Int) -> OverviewMap {
        var m = OverviewMap(plan: plan)
        m.fill = fill
        m.phase = .complete
        m.cellsKnown = plan.cellCount
        for i in m.cells.indices {
            let q = i * 4 / m.cells.count
            let n = Double(m.cells[i].length)
            m.cells[i].knownBytes = m.cells[i].length
            switch q {
            case 1: m.cells[i].lowBytes = n; m.cells[i].entropyBits = 4.5 * n
            case 2: m.cells[i].highBytes = n; m.cells[i].entropyBits = 7.95 * n
            default: m.cells[i].zeroBytes = n; m.cells[i].zeroValued = n
            }
        }
        return m
    }

    static func opened(access: AccessMode = .readOnly) -> ViewerState {
        var s = ViewerState(source: Fixture.summary(access: access), width: 120, height: 40)
        let effects = ViewerReducer.reduce(&s, .key(.char("m")))
        #expect(effects == [.startMap(s.mapPlan, fill: 1)])
        _ = ViewerReducer.reduce(&s, .mapUpdated(map(s.mapPlan, fill: 1)))
        return s
    }

    @Test("m opens the map and starts its fill; ] and [ jump to the changes of class")
    func classJumps() {
        var s = Self.opened()
        #expect(s.mapPlan.cellCount == 256)
        #expect(s.mapView.map?.phase == .complete)
        _ = ViewerReducer.reduce(&s, .key(.char("]")))
        #expect(s.cursor == 0x40000)
        _ = ViewerReducer.reduce(&s, .key(.char("]")))
        #expect(s.cursor == 0x80000)
        _ = ViewerReducer.reduce(&s, .key(.char("]")))
        #expect(s.cursor == 0xC0000)
        _ = ViewerReducer.reduce(&s, .key(.char("]")))
        #expect(s.cursor == 0xC0000)
        #expect(s.message?.text.contains("no change of class after") == true)
        _ = ViewerReducer.reduce(&s, .key(.char("[")))
        #expect(s.cursor == 0x80000)
        #expect(s.message?.text == "map: high entropy at 0x80000")
    }

    @Test("the panel draws the cells with a legend, the cursor's cell marked; Enter and a click jump")
    func drawAndJump() throws {
        var s = Self.opened()
        let screen = ViewerRenderer.render(s, FrameSnapshot(cells: []))
        let text = screen.text
        #expect(text.contains("Map · whole media · complete"))
        #expect(text.contains("· zero/hole  ▒ low entropy  █ high entropy  ? unreadable  - not sampled  | partition start"))
        let grid = s.layout.panelTop + 2
        let row = screen.line(grid)
        // 118 × 5 cells would be 590: the plan has 256, so 256 cells over 3 rows.
        let cells = Array(row.dropFirst(1).prefix(118)) + Array(screen.line(grid + 1).dropFirst(1).prefix(118))
            + Array(screen.line(grid + 2).dropFirst(1).prefix(20))
        #expect(String(cells[1..<64]) == String(repeating: "·", count: 63))
        #expect(String(cells[64..<128]) == String(repeating: "▒", count: 64))
        #expect(String(cells[128..<192]) == String(repeating: "█", count: 64))
        #expect(String(cells[192..<256]) == String(repeating: "·", count: 64))
        #expect(screen[1, grid].role == .cursor)
        #expect(screen.line(s.layout.panelTop + s.layout.panelRows - 2).contains("cursor's cell 0x0: zero/hole · 0.00 bits/B · 100% zeros · 4 KiB"))
        // Focus the map, select cell 150, Enter.
        _ = ViewerReducer.reduce(&s, .key(.tab))
        #expect(s.focus == .map)
        for _ in 0..<150 { _ = ViewerReducer.reduce(&s, .key(.right)) }
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.cursor == 150 * 4096)
        #expect(s.message?.text.hasPrefix("map: 0x96000 · high entropy · 7.95 bits/B · 0% zeros") == true)
        // A click on row 2 of the grid, column 10 (cell 118 + 9 = 127): the low-entropy run.
        _ = ViewerReducer.reduce(&s, .key(.click(x: 10, y: grid + 1)))
        #expect(s.cursor == 127 * 4096)
        // A click outside the grid does nothing.
        _ = ViewerReducer.reduce(&s, .key(.click(x: 10, y: 3)))
        #expect(s.cursor == 127 * 4096)
    }

    @Test("Esc stops the fill; snapshots of a stopped or older fill are dropped; m m starts a new one")
    func escapeStops() {
        var s = ViewerState(source: Fixture.summary(), width: 120, height: 40)
        _ = ViewerReducer.reduce(&s, .key(.function(8)))
        var running = Self.map(s.mapPlan, fill: 1)
        running.phase = .coarse
        _ = ViewerReducer.reduce(&s, .mapUpdated(running))
        #expect(ViewerReducer.reduce(&s, .key(.escape)) == [.stopMap])
        #expect(s.mapView.map?.phase == .stopped)
        _ = ViewerReducer.reduce(&s, .mapUpdated(running))
        #expect(s.mapView.map?.phase == .stopped)
        #expect(ViewerReducer.reduce(&s, .key(.char("m"))) == [.stopMap])
        #expect(ViewerReducer.reduce(&s, .key(.char("m"))) == [.startMap(s.mapPlan, fill: 2)])
        _ = ViewerReducer.reduce(&s, .mapUpdated(running))  // fill 1: dropped
        #expect(s.mapView.map?.phase == .holes)
    }

    @Test("the inspector follows the cursor; in edit mode a typed u32 stages its 4 bytes and W writes them")
    func inspectorEdit() {
        var s = ViewerState(source: Fixture.summary(access: .writable), width: 120, height: 40)
        _ = ViewerReducer.reduce(&s, .key(.char("I")))
        s.moveCursor(to: 0x200)
        let cells: [ByteCell] = [0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].map { .byte($0) }
        let text = ViewerRenderer.render(s, FrameSnapshot(cells: [], cursorCells: cells)).text
        #expect(text.contains("Inspector @ 0x200"))
        #expect(text.contains("u32 LE          67305985"))
        #expect(text.contains("u32 BE          16909060"))
        _ = ViewerReducer.reduce(&s, .key(.tab))
        #expect(s.focus == .inspector)
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.message?.text.hasPrefix("e enters edit mode") == true)
        _ = ViewerReducer.reduce(&s, .key(.char("e")))
        for _ in 0..<7 { _ = ViewerReducer.reduce(&s, .key(.down)) }
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.prompt?.kind == .inspector(.u32le))
        for c in "4294967296" { _ = ViewerReducer.reduce(&s, .key(.char(c))) }
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.message?.role == .error)
        #expect(s.message?.text == "u32 LE: 4294967296 does not fit (0…4294967295)")
        #expect(s.edits.isEmpty)
        _ = ViewerReducer.reduce(&s, .key(.enter))
        for c in "3735928559" { _ = ViewerReducer.reduce(&s, .key(.char(c))) }
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.edits.runs == [PatchRun(offset: 0x200, replacing: [0xef, 0xbe, 0xad, 0xde])])
        let after = ViewerRenderer.render(s, FrameSnapshot(cells: [], cursorCells: cells)).text
        #expect(after.contains("u32 LE          3735928559"))
        _ = ViewerReducer.reduce(&s, .key(.char("W")))
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(ViewerReducer.reduce(&s, .key(.char("y"))) == [.commit(s.edits.runs, sync: .data)])
    }

    @Test("a value that runs past the end of the media is refused; past the end shows —")
    func inspectorPastEnd() {
        var s = ViewerState(source: Fixture.summary(size: 0x1000, access: .writable), width: 120, height: 40)
        _ = ViewerReducer.reduce(&s, .key(.char("I")))
        s.moveCursor(to: 0xFFE)
        let cells: [ByteCell] = [.byte(0x34), .byte(0x12)] + Array(repeating: .pastEnd, count: 14)
        let text = ViewerRenderer.render(s, FrameSnapshot(cells: [], cursorCells: cells)).text
        #expect(text.contains("u16 LE          4660"))
        #expect(text.contains("u32 LE          —"))
        _ = ViewerReducer.reduce(&s, .key(.tab))
        _ = ViewerReducer.reduce(&s, .key(.char("e")))
        for _ in 0..<7 { _ = ViewerReducer.reduce(&s, .key(.down)) }
        _ = ViewerReducer.reduce(&s, .key(.enter))
        for c in "1" { _ = ViewerReducer.reduce(&s, .key(.char(c))) }
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.message?.text == "u32 LE: 4 bytes at 0xffe run past the end of the media")
        #expect(s.edits.isEmpty)
    }

    @Test("golden screens: the map panel of a known map, the inspector over bytes 00…0f")
    func goldenScreens() throws {
        var s = Self.opened()
        _ = ViewerReducer.reduce(&s, .key(.char("]")))
        try expectGolden(ViewerRenderer.render(s, Fixture.snapshot(s, bytes: Fixture.bytes(1 << 20))), "map-120x40")
        var i = ViewerState(source: Fixture.summary(), width: 120, height: 40)
        _ = ViewerReducer.reduce(&i, .key(.function(9)))
        let cells = (0..<16).map { ByteCell.byte(UInt8($0)) }
        let snap = Fixture.snapshot(i, bytes: Fixture.bytes(1 << 20))
        try expectGolden(ViewerRenderer.render(i, FrameSnapshot(cells: snap.cells, cursorCells: cells)), "inspector-120x40")
    }
}
