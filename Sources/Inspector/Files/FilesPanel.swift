import FileSystems

/// Draws the Files panel: the tree on the left; on the right the selected
/// file (times, inode, runs) while the panel has focus, or the metadata
/// record under the cursor (istat's facts) while the hex view has it.
enum FilesPanel {
    typealias Rect = StructurePanel.Rect

    static func title(_ s: ViewerState) -> String {
        guard let v = s.files.volume else { return "Files" }
        var t = "Files \(v.label)"
        if let tree = v.tree, !tree.filter.isEmpty || s.files.filterEditing {
            t += " · filter \"\(tree.filter)\(s.files.filterEditing ? "▏" : "")\""
        }
        return t + " (Enter opens/jumps, ← closes, / filter, m/c owner map)"
    }

    static func draw(_ b: inout ScreenBuffer, _ r: Rect, _ s: ViewerState) {
        guard let v = s.files.volume else {
            b.put("f opens the file system under the cursor", x: r.x, y: r.y, role: .dim, maxWidth: r.w)
            return
        }
        if let e = v.error {
            b.put("\(v.place): \(e)", x: r.x, y: r.y, role: .error, maxWidth: r.w)
            return
        }
        guard let tree = v.tree else {
            b.put("opening \(v.place) with The Sleuth Kit…", x: r.x, y: r.y, role: .dim, maxWidth: r.w)
            return
        }
        let split = r.w >= 90
        let treeW = split ? r.w * 3 / 5 : r.w
        drawTree(&b, (r.x, r.y, treeW, r.h), s, tree)
        guard split else { return }
        let d: Rect = (r.x + treeW + 1, r.y, r.w - treeW - 1, r.h)
        for y in r.y..<(r.y + r.h) { b.put("│", x: d.x - 1, y: y, role: .separator) }
        if s.focus != .files, let m = s.files.owner, m.offset == s.cursor, let meta = m.metadata {
            drawEntry(&b, d, title: "under the cursor: " + meta.title, meta.entry, runs: meta.runs, info: meta.info, error: nil)
        } else if let det = s.files.detail, let info = v.info {
            drawEntry(&b, d, title: "/" + det.entry.path, det.entry, runs: det.runs, info: info, error: det.error)
        }
    }

    private static func drawTree(_ b: inout ScreenBuffer, _ r: Rect, _ s: ViewerState, _ tree: FileTree) {
        let sizeW = 9, timeW = 16, inodeW = 12, flagW = 9
        let nameW = max(8, r.w - sizeW - timeW - inodeW - flagW - 4)
        let head = PanelRenderer.pad("name", nameW) + " " + PanelRenderer.lpad("size", sizeW) + " " + PanelRenderer.pad("modified", timeW)
            + " " + PanelRenderer.lpad("inode", inodeW) + " state"
        b.put(head, x: r.x, y: r.y, role: .dim, maxWidth: r.w)
        if tree.rows.isEmpty {
            let what = tree.loading.contains(tree.rootInode) ? "listing the root directory…"
                : tree.filter.isEmpty ? "empty directory" : "no loaded name contains \"\(tree.filter)\""
            b.put(what, x: r.x, y: r.y + 1, role: .dim, maxWidth: r.w)
            return
        }
        let visible = r.h - 1
        let first = max(0, min(s.files.scroll, tree.rows.count - visible))
        for (i, row) in tree.rows.enumerated().dropFirst(first).prefix(visible) {
            let e = row.entry
            let mark = e.isDirectory ? (row.loading ? "… " : row.expanded ? "▾ " : "▸ ") : "  "
            let name = String(repeating: "  ", count: min(row.depth, 20)) + mark + e.name + (e.stream.map { ":" + $0 } ?? "")
            let time = e.times.modified.map { String($0.iso8601.replacingOccurrences(of: "T", with: " ").prefix(timeW)) } ?? "-"
            let line = PanelRenderer.pad(String(name.prefix(nameW)), nameW) + " " + PanelRenderer.lpad(e.isDirectory ? "" : ByteSize.format(e.size), sizeW)
                + " " + PanelRenderer.pad(time, timeW) + " " + PanelRenderer.lpad(e.address, inodeW) + " " + state(e)
            let selected = i == tree.selection
            let role: Role = selected ? (s.focus == .files ? .cursor : .prompt) : e.deleted ? .warning : .normal
            b.put(PanelRenderer.pad(line, r.w), x: r.x, y: r.y + 1 + i - first, role: role, maxWidth: r.w)
        }
    }

    /// `allocated`, `deleted`, `realloc` (the name is deleted, its metadata reused).
    static func state(_ e: FSEntry) -> String {
        e.reallocated ? "realloc" : e.deleted ? "deleted" : e.metaAllocated == false ? "unalloc" : "allocated"
    }

    private static func drawEntry(_ b: inout ScreenBuffer, _ r: Rect, title: String, _ e: FSEntry, runs: [FSRun]?, info: FSInfo, error: String?) {
        var lines: [(String, Role)] = [(title, .panelTitle)]
        let kind = info.isNTFS ? "MFT entry" : "inode"
        lines.append(("\(kind) \(e.address) · \(e.nameType)/\(e.metaType) · \(state(e)) · \(ByteSize.format(e.size)) (\(e.size) B)", e.deleted ? .warning : .normal))
        lines.append(("mode \(String(e.mode, radix: 8)) · uid \(e.uid) gid \(e.gid) · links \(e.linkCount)", .normal))
        for (label, t) in [("modified", e.times.modified), ("accessed", e.times.accessed), ("changed ", e.times.changed), ("created ", e.times.created)] {
            lines.append(("\(label) \(t?.iso8601 ?? "-")", .normal))
        }
        if let target = e.linkTarget { lines.append(("→ \(target)", .normal)) }
        if let error {
            lines.append(("runs: \(error)", .error))
        } else if let runs {
            lines.append((runs.isEmpty ? "no runs (no data stored)" : "runs (\(runs.count)):", .dim))
            for run in runs { lines.append((FileRuns.describe(run, info: info), run.kind == .blocks ? .normal : .good)) }
        } else {
            lines.append(("reading runs…", .dim))
        }
        for (i, (text, role)) in lines.prefix(r.h).enumerated() {
            b.put(text, x: r.x, y: r.y + i, role: role, maxWidth: r.w)
        }
        if lines.count > r.h { b.put("+\(lines.count - r.h) more", x: r.x + r.w - 8, y: r.y + r.h - 1, role: .dim) }
    }
}
