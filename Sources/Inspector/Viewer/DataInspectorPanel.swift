/// The data inspector panel's part of the viewer's state.
public struct InspectorState: Equatable, Sendable {
    /// The selected field (when the panel has focus).
    public var selection = 0
    public init() {}
}

extension ViewerState {
    /// The bytes the inspector reads: the media's at the cursor (`cells`, as
    /// the frame has them) with the staged edits over them.
    func inspectorCells(_ cells: [ByteCell]) -> [ByteCell] {
        cells.enumerated().map { i, c in
            guard let st = edits.staged(at: cursor + Int64(i)) else { return c }
            if let v = c.value { return .byte(st.apply(to: v)) }
            return st.mask == 0xFF && c != .pastEnd ? .byte(st.value) : c
        }
    }

    /// Keys of the focused inspector: ↑↓ select a field, Enter types a value
    /// into it (edit mode); nil for keys it does not take.
    mutating func inspectorKey(_ k: Key) -> [ViewerEffect]? {
        let n = InspectorField.allCases.count
        switch k {
        case .up: inspector.selection = max(0, inspector.selection - 1)
        case .down: inspector.selection = min(n - 1, inspector.selection + 1)
        case .char("k") where edit == nil: inspector.selection = max(0, inspector.selection - 1)
        case .char("j") where edit == nil: inspector.selection = min(n - 1, inspector.selection + 1)
        case .enter:
            let field = InspectorField.allCases[inspector.selection]
            guard source.access == .writable else {
                refuseEdit()
                return []
            }
            guard edit != nil else {
                message = .init(text: "e enters edit mode; then Enter types a value into \(field.rawValue)", role: .warning)
                return []
            }
            prompt = Prompt(kind: .inspector(field), text: "")
        default: return nil
        }
        return []
    }

    /// Enter in the inspector's prompt: stages the value's bytes at the cursor.
    mutating func stageInspectorValue(_ field: InspectorField, _ text: String) {
        let bytes: [UInt8]
        do {
            bytes = try field.encode(text)
        } catch {
            message = .init(text: error.description, role: .error)
            return
        }
        guard source.size - cursor >= Int64(bytes.count) else {
            message = .init(text: "\(field.rawValue): \(plural(bytes.count, "byte")) at 0x\(String(cursor, radix: 16)) run past the end of the media", role: .error)
            return
        }
        for (i, v) in bytes.enumerated() { edits.setByte(at: cursor + Int64(i), to: v) }
        edit?.lowNibble = false
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        message = .init(text: "staged \(field.rawValue) = \(text.inspectorTrimmed()) at 0x\(String(cursor, radix: 16)): \(hex) · W writes, u undoes", role: .good)
    }
}

/// Draws the data inspector.
enum DataInspectorPanel {
    typealias Rect = StructurePanel.Rect

    static func title(_ s: ViewerState) -> String {
        let edit = s.source.access == .writable ? (s.edit != nil ? " · Enter sets a field" : " · e, then Enter sets a field") : ""
        return "Inspector @ 0x\(String(s.cursor, radix: 16))\(edit)"
    }

    static let nameWidth = 16
    static let columnWidth = 46

    /// Columns of fields in a panel `w` wide inside.
    static func columns(_ w: Int) -> Int { max(1, min(3, (w + 2) / columnWidth)) }

    /// Rows the inspector needs to show every field (the panel opens this tall, up to half the screen).
    static func rowsWanted(_ s: ViewerState) -> Int {
        let inner = s.width / max(1, s.panels.count) - 2
        let cols = columns(inner)
        return (InspectorField.allCases.count + cols - 1) / cols
    }

    static func draw(_ b: inout ScreenBuffer, _ r: Rect, _ s: ViewerState, _ snap: FrameSnapshot) {
        let fields = InspectorField.allCases
        let cells = s.inspectorCells(snap.cursorCells)
        let cols = columns(r.w)
        let perCol = (fields.count + cols - 1) / cols
        let sel = s.inspector.selection
        let first = perCol <= r.h ? 0 : max(0, min(sel % perCol - r.h / 2, perCol - r.h))
        let w = cols == 1 ? r.w : (r.w - (cols - 1) * 2) / cols
        let nameWidth = Self.nameWidth
        for (i, f) in fields.enumerated() {
            let row = i % perCol - first
            guard row >= 0 && row < r.h else { continue }
            let x = r.x + (i / perCol) * (w + 2)
            let value = InspectorField.text(f, cells: cells)
            let line = PanelRenderer.pad(f.rawValue, nameWidth) + value
            let selected = s.focus == .inspector && i == sel
            let role: Role = selected ? .cursor : value == "—" || value.hasPrefix("invalid") ? .dim : .normal
            b.put(PanelRenderer.pad(line, w), x: x, y: r.y + row, role: role, maxWidth: w)
        }
    }
}
