import BlockDevice
import Histogram
import LinuxAIO

/// The panels under the hex view, side by side, drawn from the frame's snapshot.
enum PanelRenderer {
    static func draw(_ b: inout ScreenBuffer, _ s: ViewerState, _ l: ViewerLayout, _ snap: FrameSnapshot) {
        let n = s.panels.count
        guard n > 0 else { return }
        let w = s.width / n
        for (i, p) in s.panels.enumerated() {
            let x = i * w
            let width = i == n - 1 ? s.width - x : w
            b.box(x: x, y: l.panelTop, width: width, height: l.panelRows, title: title(p, s, snap), focused: s.focus == p)
            let inner = (x: x + 1, y: l.panelTop + 1, w: width - 2, h: l.panelRows - 2)
            guard inner.w > 4 && inner.h > 0 else { continue }
            switch p {
            case .inFlight: inFlight(&b, inner, snap)
            case .latency: latency(&b, inner, snap)
            case .journal: journal(&b, inner, s, snap)
            case .structure: StructurePanel.draw(&b, inner, s)
            case .map: MapPanel.draw(&b, inner, s)
            case .inspector: DataInspectorPanel.draw(&b, inner, s, snap)
            case .files: FilesPanel.draw(&b, inner, s)
            }
        }
    }

    private static func title(_ p: Panel, _ s: ViewerState, _ snap: FrameSnapshot) -> String {
        switch p {
        case .inFlight:
            guard let reads = snap.reads else {
                guard let io = snap.io else { return "In flight" }
                return "In flight \(io.slotsInUse)/\(io.slots) · \(io.waiting) waiting"
            }
            let writes = snap.io.map { $0.inFlight.filter { $0.operation != .read }.count } ?? 0
            let q = ReadClass.allCases.map { "\($0.letter)\(reads[$0].queued)" }.joined(separator: " ")
            return "In flight \(reads.inFlight.count + writes)/\(reads.limits.total) · queued \(q)"
        case .latency: return "Latency (µs)"
        case .journal: return "Write journal (\(snap.journal.count))"
        case .structure: return "Structure (Enter jumps)"
        case .map: return MapPanel.title(s)
        case .inspector: return DataInspectorPanel.title(s)
        case .files: return FilesPanel.title(s)
        }
    }

    typealias Rect = StructurePanel.Rect

    private static func inFlight(_ b: inout ScreenBuffer, _ r: Rect, _ snap: FrameSnapshot) {
        guard snap.reads != nil || snap.io != nil else {
            b.put("no engine", x: r.x, y: r.y, role: .dim)
            return
        }
        // Reads from the read path (with their class and, for sets, where they
        // land); writes and syncs from the engine.
        var rows: [(what: String, offset: Int64, length: Int, ageNs: UInt64, note: String, abandoned: Bool)] = []
        for q in snap.reads?.inFlight ?? [] {
            rows.append((q.readClass.description, q.offset, q.length, q.ageNanoseconds, q.detail ?? "", q.abandoned))
        }
        for q in snap.io?.inFlight ?? [] where q.operation != .read || snap.reads == nil {
            rows.append((q.operation.rawValue, q.offset, q.length, q.ageNanoseconds, q.operation == .read ? "" : q.sync.rawValue, q.abandoned))
        }
        b.put("class       offset       length       age  where", x: r.x, y: r.y, role: .dim, maxWidth: r.w)
        if rows.isEmpty {
            b.put("idle: no request in flight", x: r.x, y: r.y + 1, role: .dim, maxWidth: r.w)
            return
        }
        for (i, q) in rows.prefix(r.h - 1).enumerated() {
            let age = Double(q.ageNs) / 1000
            let line = pad(q.what, 10) + " " + pad("0x" + String(q.offset, radix: 16), 12) + " "
                + pad(ByteSize.format(Int64(q.length)), 9) + " " + lpad(formatDuration(age), 8)
                + (q.note.isEmpty ? "" : "  \(q.note)") + (q.abandoned ? " cancelled" : "")
            b.put(line, x: r.x, y: r.y + 1 + i, role: age > 100_000 ? .warning : .normal, maxWidth: r.w)
        }
        if rows.count > r.h - 1 {
            b.put("+\(rows.count - (r.h - 1)) more", x: r.x + r.w - 8, y: r.y + r.h - 1, role: .dim)
        }
    }

    private static func latency(_ b: inout ScreenBuffer, _ r: Rect, _ snap: FrameSnapshot) {
        guard snap.reads != nil || snap.io != nil else { return }
        // Reads per class from the read path (every source, EWF included);
        // writes and syncs from the engine.
        var rows: [(String, Histogram<UInt64>)] = []
        if let reads = snap.reads {
            for c in ReadClass.allCases where reads[c].latency.totalCount > 0 { rows.append((c.description, reads[c].latency)) }
        }
        for op in IOOperation.allCases where op != .read || snap.reads == nil {
            if let h = snap.io?.latency[op], h.totalCount > 0 { rows.append((op.rawValue, h)) }
        }
        b.put("kind           n   p50   p90   p99   max", x: r.x, y: r.y, role: .dim, maxWidth: r.w)
        var y = r.y + 1
        for (name, h) in rows where y < r.y + r.h {
            let line = pad(name, 10) + lpad(String(h.totalCount), 6)
                + [50.0, 90.0, 99.0].map { lpad(formatMicros(Double(h.valueAtPercentile($0))), 6) }.joined()
                + lpad(formatMicros(Double(h.max)), 6)
            b.put(line, x: r.x, y: y, maxWidth: r.w)
            y += 1
        }
        if y == r.y + 1 {
            b.put("no completions yet", x: r.x, y: y, role: .dim, maxWidth: r.w)
            y += 1
        }
        // Sparkline of mean latency per interval, newest on the right.
        guard y < r.y + r.h else { return }
        let samples = snap.latencyHistory.suffix(r.w - 6)
        let peak = samples.map(\.meanMicroseconds).max() ?? 0
        guard peak > 0 else { return }
        let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        var line = "mean "
        for sm in samples {
            line.append(sm.completions == 0 ? " " : bars[min(7, Int(sm.meanMicroseconds / peak * 7.999))])
        }
        b.put(line, x: r.x, y: r.y + r.h - 1, role: .good, maxWidth: r.w)
        let label = " peak \(formatMicros(peak))"
        b.put(label, x: r.x + r.w - label.count, y: r.y + r.h - 1, role: .dim)
    }

    private static func journal(_ b: inout ScreenBuffer, _ r: Rect, _ s: ViewerState, _ snap: FrameSnapshot) {
        if snap.journal.isEmpty {
            let why: String
            switch s.source.access {
            case .readOnly: why = "read-only session: nothing is written (open with --write to patch)"
            case .forensic: why = "forensic session: the evidence is never written"
            case .writable: why = "no patch written yet"
            }
            b.put(why, x: r.x, y: r.y, role: .dim, maxWidth: r.w)
            return
        }
        b.put("offset       length  sync  state       latency", x: r.x, y: r.y, role: .dim, maxWidth: r.w)
        for (i, e) in snap.journal.suffix(r.h - 1).enumerated() {
            let role: Role = e.state == .failed ? .error : e.state == .verified ? .good : .normal
            let line = pad("0x" + String(e.offset, radix: 16), 12) + " " + pad(ByteSize.format(Int64(e.length)), 7)
                + " " + pad(e.sync.rawValue, 5) + " " + pad(e.state.rawValue, 10) + " "
                + lpad(e.latencyMicroseconds.map(formatDuration) ?? "", 8) + (e.note.map { " \($0)" } ?? "")
            b.put(line, x: r.x, y: r.y + 1 + i, role: role, maxWidth: r.w)
        }
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}

/// `43`, `1.2k`, `15k`, `2.1M` microseconds: short enough for a panel column.
func formatMicros(_ us: Double) -> String {
    if us < 1000 { return String(Int(us.rounded())) }
    if us < 10_000 { return String(Int((us / 100).rounded()) / 10) + "." + String(Int((us / 100).rounded()) % 10) + "k" }
    if us < 1_000_000 { return String(Int((us / 1000).rounded())) + "k" }
    return String(Int((us / 100_000).rounded()) / 10) + "." + String(Int((us / 100_000).rounded()) % 10) + "M"
}

/// `275 µs`, `1.2 ms`, `15 ms`, `2.1 s`: a duration with its unit.
func formatDuration(_ us: Double) -> String {
    func oneDecimal(_ v: Double) -> String {
        let t = Int((v * 10).rounded())
        return "\(t / 10).\(t % 10)"
    }
    if us < 999.5 { return "\(Int(us.rounded())) µs" }
    if us < 9_950 { return oneDecimal(us / 1000) + " ms" }
    if us < 999_500 { return "\(Int((us / 1000).rounded())) ms" }
    return oneDecimal(us / 1_000_000) + " s"
}
