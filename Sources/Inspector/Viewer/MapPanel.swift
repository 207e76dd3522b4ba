import DiskFormats

/// The overview map panel's part of the viewer's state.
public struct MapViewState: Equatable, Sendable {
    /// The latest snapshot of the fill (nil until the panel first opens).
    public var map: OverviewMap?
    /// The partition mapped (its number and bytes), or nil for the whole media.
    public var partition: (index: Int, range: Range<Int64>)?
    /// The selected display cell while the panel has focus (nil: the cursor's).
    public var selection: Int?
    /// The fill under way: snapshots of earlier fills are dropped.
    public var fill = 0

    public init() {}

    public static func == (a: MapViewState, b: MapViewState) -> Bool {
        a.map == b.map && a.partition?.index == b.partition?.index && a.partition?.range == b.partition?.range
            && a.selection == b.selection && a.fill == b.fill
    }
}

/// Where the map panel's cells are on the screen.
struct MapGrid: Equatable {
    var x: Int
    var y: Int
    var columns: Int
    var rows: Int
    /// Display cells shown (each the sum of one or more plan cells).
    var cells: Int
    /// The panel's inside (legend, grid, info line).
    var inner: (x: Int, y: Int, w: Int, h: Int)

    static func == (a: MapGrid, b: MapGrid) -> Bool {
        a.x == b.x && a.y == b.y && a.columns == b.columns && a.rows == b.rows && a.cells == b.cells
    }
}

extension ViewerState {
    /// The bytes the map covers: the chosen partition, or the whole media.
    var mapRange: Range<Int64> { mapView.partition?.range ?? 0..<max(1, source.size) }

    /// The plan the viewer maps with: 4 KiB cells, at most 8192 of them.
    public var mapPlan: MapPlan { MapPlan.fine(range: mapRange) }

    /// The map panel's grid, or nil when the panel is closed or too small.
    var mapGrid: MapGrid? {
        guard let i = panels.firstIndex(of: .map) else { return nil }
        let l = layout
        let n = panels.count
        let w = width / n
        let x = i * w
        let pw = i == n - 1 ? width - x : w
        let inner = (x: x + 1, y: l.panelTop + 1, w: pw - 2, h: l.panelRows - 2)
        guard inner.w > 4 && inner.h > 0 else { return nil }
        let extra = inner.h >= 3 ? 1 : 0
        let rows = inner.h - 2 * extra
        let cells = min(inner.w * rows, (mapView.map?.plan ?? mapPlan).cellCount)
        return MapGrid(x: inner.x, y: inner.y + extra, columns: inner.w, rows: rows, cells: cells, inner: inner)
    }

    /// The display cell (of `groups`) holding plan cell `fine`.
    static func displayIndex(_ fine: Int, plan: MapPlan, groups: Int) -> Int {
        let g = max(1, min(groups, plan.cellCount))
        var j = Int((Double(fine) * Double(g) / Double(plan.cellCount)).rounded(.down))
        j = min(max(0, j), g - 1)
        while j + 1 < g && plan.group(j + 1, of: g).lowerBound <= fine { j += 1 }
        while j > 0 && plan.group(j, of: g).lowerBound > fine { j -= 1 }
        return j
    }

    /// The display cell of the cursor, when the cursor is inside the map.
    func mapCursorCell(_ grid: MapGrid, _ plan: MapPlan) -> Int? {
        plan.index(of: cursor).map { Self.displayIndex($0, plan: plan, groups: grid.cells) }
    }

    /// Where the user looks on the map: the selected (or the cursor's)
    /// display cell and its neighbours; the fill reads them in full first.
    public var mapLookRange: Range<Int64>? {
        guard let grid = mapGrid, let map = mapView.map else { return nil }
        guard let j = mapView.selection ?? mapCursorCell(grid, map.plan) else { return nil }
        let lo = map.plan.group(max(0, j - 1), of: grid.cells).lowerBound
        let hi = map.plan.group(min(grid.cells - 1, j + 1), of: grid.cells).upperBound
        return map.plan.start(lo)..<map.plan.start(hi)
    }

    /// `m` / F8: opens the panel and starts the fill, or closes it and stops the fill.
    mutating func toggleMap() -> [ViewerEffect] {
        if panels.contains(.map) {
            toggle(.map)
            mapView.selection = nil
            return [.stopMap]
        }
        toggle(.map)
        return startMapFill()
    }

    /// A new fill of the current plan (the old one's snapshots are dropped).
    mutating func startMapFill() -> [ViewerEffect] {
        mapView.fill += 1
        var m = OverviewMap(plan: mapPlan)
        m.fill = mapView.fill
        mapView.map = m
        return [.startMap(mapPlan, fill: mapView.fill)]
    }

    /// Esc while the map fills: stops it (the cells read so far stay).
    mutating func mapEscape() -> [ViewerEffect]? {
        guard panels.contains(.map), let m = mapView.map, [.holes, .coarse, .refining].contains(m.phase) else { return nil }
        mapView.map?.phase = .stopped
        message = .init(text: "map: background fill stopped; m m starts it again", role: .warning)
        return [.stopMap]
    }

    /// A snapshot from the fill; one of an older plan (scope changed) is dropped.
    mutating func mapUpdated(_ m: OverviewMap) {
        guard m.fill == mapView.fill, m.plan == mapPlan else { return }
        if mapView.map?.phase == .stopped && m.phase != .stopped { return }
        mapView.map = m
    }

    /// Keys of the focused map panel: ←→↑↓ select a cell, Enter jumps to it,
    /// `p` maps the partition under the cursor (again: the whole media).
    mutating func mapKey(_ k: Key) -> [ViewerEffect]? {
        guard let grid = mapGrid, let map = mapView.map else { return nil }
        let current = mapView.selection ?? mapCursorCell(grid, map.plan) ?? 0
        switch k {
        case .left, .char("h"): mapView.selection = max(0, current - 1)
        case .right, .char("l"): mapView.selection = min(grid.cells - 1, current + 1)
        case .up, .char("k"): mapView.selection = current - grid.columns >= 0 ? current - grid.columns : current
        case .down, .char("j"): mapView.selection = current + grid.columns < grid.cells ? current + grid.columns : current
        case .enter: jumpToMapCell(current, grid, map)
        case .char("p"): return mapScope()
        default: return nil
        }
        return []
    }

    mutating func jumpToMapCell(_ j: Int, _ grid: MapGrid, _ map: OverviewMap) {
        let fine = map.plan.group(j, of: grid.cells)
        let off = map.plan.start(fine.lowerBound)
        moveCursor(to: off, center: true)
        let cell = map.grouped(grid.cells)[j]
        message = .init(text: "map: 0x\(String(off, radix: 16)) · \(MapPanel.describe(cell))", role: .good)
    }

    /// `p` in the map: the partition under the cursor, or back to the whole media.
    mutating func mapScope() -> [ViewerEffect] {
        if mapView.partition != nil {
            mapView.partition = nil
        } else {
            let sector = disk?.sectorSize ?? source.sectorSize
            guard let p = disk?.partitions.first(where: { $0.byteRange(sectorSize: sector)?.contains(cursor) ?? false }),
                  let r = p.byteRange(sectorSize: sector) else {
                message = .init(text: "map: the cursor is in no partition (p maps the partition under the cursor)", role: .warning)
                return []
            }
            mapView.partition = (p.index, r.lowerBound..<min(r.upperBound, source.size))
        }
        mapView.selection = nil
        return startMapFill()
    }

    /// `[` / `]`: the previous / next change of class on the map.
    mutating func jumpClassChange(forward: Bool) {
        guard let map = mapView.map else {
            message = .init(text: "no map yet: m or F8 opens the overview map", role: .warning)
            return
        }
        guard let f = map.plan.index(of: cursor) else {
            message = .init(text: "the cursor is outside the mapped partition", role: .warning)
            return
        }
        guard let t = map.classChange(from: f, forward: forward) else {
            message = .init(text: "map: no change of class \(forward ? "after" : "before") here", role: .warning)
            return
        }
        let cell = map.cells[t]
        moveCursor(to: cell.offset, center: true)
        message = .init(text: "map: \(cell.mapClass.label) at 0x\(String(cell.offset, radix: 16))", role: .good)
    }

    /// A mouse click: on a map cell, jumps there.
    mutating func click(x: Int, y: Int) -> [ViewerEffect] {
        guard let grid = mapGrid, let map = mapView.map else { return [] }
        let j = (y - grid.y) * grid.columns + (x - grid.x)
        guard x >= grid.x, x < grid.x + grid.columns, y >= grid.y, y < grid.y + grid.rows, j < grid.cells else { return [] }
        mapView.selection = focus == .map ? j : nil
        jumpToMapCell(j, grid, map)
        return []
    }
}
