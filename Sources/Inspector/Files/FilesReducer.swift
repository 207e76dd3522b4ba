import DiskFormats
import FileSystems

/// The Files panel's part of `reduce(state, event)`: its keys, and the
/// results of its background work.
enum FilesReducer {
    /// `f` / F11: opens the panel on the file system chosen in the structure
    /// panel (when it is open), else the one under the cursor; closes it.
    static func toggle(_ s: inout ViewerState) -> [ViewerEffect] {
        if s.panels.contains(.files) {
            s.toggle(.files)
            return []
        }
        guard let (offset, place) = target(s) else {
            s.message = .init(text: s.disk == nil ? "still reading the partition table: f again in a moment"
                                                  : "no file system here: put the cursor in a partition, or choose one in the structure panel (s)",
                              role: .warning)
            return []
        }
        s.toggle(.files)
        s.focus = .files
        if s.files.volume?.fsOffset == offset, s.files.volume?.error == nil { return [] }
        s.files.volume = FilesVolume(fsOffset: offset, place: place)
        s.files.detail = nil
        s.files.scroll = 0
        s.files.filterEditing = false
        return [.files(.open(fsOffset: offset, place: place)), .files(.buildMap(fsOffset: offset))]
    }

    /// The file system to show: (its offset, `p2` or `0x0`).
    static func target(_ s: ViewerState) -> (Int64, String)? {
        guard let d = s.disk else { return nil }
        if s.panels.contains(.structure) {
            let rows = s.structureEntries
            if s.structureSelection < rows.count, let off = rows[s.structureSelection].offset {
                let row = rows[s.structureSelection]
                if row.kind == .partition { return (off, String(row.label.prefix { $0 != " " })) }
                if row.kind == .filesystem { return (off, "disk") }
            }
        }
        return FileSystemPlace.containing(s.cursor, disk: d, mediaSize: s.source.size)
    }

    /// Keys of the focused Files panel; nil when the key is not its own.
    static func key(_ s: inout ViewerState, _ k: Key) -> [ViewerEffect]? {
        guard var tree = s.files.volume?.tree, let volume = s.files.volume else {
            if k == .escape { return nil }
            return [.up, .down, .enter, .left, .right].contains(k) ? [] : nil
        }
        if s.files.filterEditing {
            switch k {
            case let .char(c): tree.setFilter(tree.filter + String(c))
            case .backspace: tree.setFilter(String(tree.filter.dropLast()))
            case .enter: s.files.filterEditing = false
            case .escape:
                s.files.filterEditing = false
                tree.setFilter("")
            case .up, .down, .pageUp, .pageDown: s.files.filterEditing = false; return key(&s, k)
            default: return []
            }
            return commit(&s, tree)
        }
        let page = max(1, s.layout.panelRows - 4)
        switch k {
        case .up, .char("k"): tree.move(by: -1)
        case .down, .char("j"): tree.move(by: 1)
        case .pageUp: tree.move(by: -page)
        case .pageDown: tree.move(by: page)
        case .home, .char("g"): tree.select(0)
        case .end, .char("G"): tree.select(tree.rows.count - 1)
        case .char("/"):
            s.files.filterEditing = true
            s.message = .init(text: "filter names: type to narrow · Enter keeps · Esc clears", role: .prompt)
            return []
        case .escape:
            guard !tree.filter.isEmpty else { return nil }
            tree.setFilter("")
        case .right, .char("l"):
            if let dir = tree.expandSelected() { return commit(&s, tree) + [.files(.list(fsOffset: volume.fsOffset, directory: dir))] }
        case .left, .char("h"): tree.collapseSelected()
        case .enter:
            guard let e = tree.selected else { return [] }
            if e.isDirectory {
                if tree.rows[tree.selection].expanded && tree.filter.isEmpty {
                    tree.collapseSelected()
                } else if let dir = tree.expandSelected() {
                    return commit(&s, tree) + [.files(.list(fsOffset: volume.fsOffset, directory: dir))]
                }
            } else {
                let effects = commit(&s, tree)
                s.files.jumpPending = true
                jumpIfReady(&s)
                return effects
            }
        case .char("c"):
            return [.files(.cancelMap(fsOffset: volume.fsOffset))]
        case .char("m"):
            return [.files(.buildMap(fsOffset: volume.fsOffset))]
        default:
            return nil
        }
        return commit(&s, tree)
    }

    /// Stores the tree; asks for the runs of a newly selected entry.
    private static func commit(_ s: inout ViewerState, _ tree: FileTree) -> [ViewerEffect] {
        s.files.volume?.tree = tree
        let visible = max(1, s.layout.panelRows - 3)
        if tree.selection < s.files.scroll { s.files.scroll = tree.selection }
        if tree.selection >= s.files.scroll + visible { s.files.scroll = tree.selection - visible + 1 }
        guard let e = tree.selected, let v = s.files.volume else { return [] }
        if let d = s.files.detail, d.entry == e { return [] }
        s.files.detail = FileDetail(entry: e, runs: nil)
        s.files.jumpPending = false
        return [.files(.runs(fsOffset: v.fsOffset, entry: e))]
    }

    static func event(_ s: inout ViewerState, _ e: FilesEvent) -> [ViewerEffect] {
        switch e {
        case let .opened(off, info):
            guard s.files.volume?.fsOffset == off else { return [] }
            s.files.volume?.info = info
            if s.files.volume?.tree == nil { s.files.volume?.tree = FileTree(rootInode: info.rootInode) }
            return [.files(.list(fsOffset: off, directory: info.rootInode))]
        case let .openFailed(off, why):
            guard s.files.volume?.fsOffset == off else { return [] }
            s.files.volume?.error = why
        case let .listed(off, dir, entries, error):
            guard s.files.volume?.fsOffset == off, var tree = s.files.volume?.tree else { return [] }
            tree.loaded(dir, entries)
            if let error { s.message = .init(text: "listing inode \(dir): \(error)", role: .error) }
            return commit(&s, tree)
        case let .runs(off, entry, runs, record, error):
            guard s.files.volume?.fsOffset == off, s.files.detail?.entry == entry, let info = s.files.volume?.info else { return [] }
            var d = FileDetail(entry: entry, runs: runs, error: error, record: record)
            d.ranges = FileRuns.ranges(FileRuns.data(of: entry, runs, info: info), info: info)
            if let r = record, r <= Int64.max - OwnerText.mftRecordSize { d.ranges = (d.ranges + [r..<(r + OwnerText.mftRecordSize)]).sorted { $0.lowerBound < $1.lowerBound } }
            s.files.detail = d
            jumpIfReady(&s)
        case let .owner(line):
            s.files.owner = line
        case let .map(off, status):
            s.files.maps[off] = status
        }
        return []
    }

    /// Enter on a file: the cursor goes to its first data byte once its runs are known.
    static func jumpIfReady(_ s: inout ViewerState) {
        guard s.files.jumpPending, let d = s.files.detail, let runs = d.runs, let info = s.files.volume?.info else { return }
        s.files.jumpPending = false
        if let why = d.error {
            s.message = .init(text: "\(d.entry.name): \(why)", role: .error)
            return
        }
        let data = FileRuns.data(of: d.entry, runs, info: info)
        switch FileRuns.firstByte(data, info: info) {
        case let .at(off):
            s.moveCursor(to: off, center: true)
            s.message = .init(text: "\(d.entry.path): first data byte at 0x\(String(off, radix: 16))", role: .good)
        case let .resident(bytes):
            guard let rec = d.record else {
                s.message = .init(text: "\(d.entry.path): \(bytes) bytes resident inside MFT entry \(d.entry.inode) (no data run)", role: .warning)
                return
            }
            s.moveCursor(to: rec, center: true)
            s.message = .init(text: "\(d.entry.path): \(bytes) bytes resident inside MFT entry \(d.entry.inode), its record at 0x\(String(rec, radix: 16))", role: .good)
        case .sparse:
            s.message = .init(text: "\(d.entry.path): every run is sparse: no byte is stored", role: .warning)
        case .empty:
            s.message = .init(text: "\(d.entry.path): empty: no data byte", role: .warning)
        }
    }
}
