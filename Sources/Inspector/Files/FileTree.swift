import FileSystems

/// One visible row of the Files panel: an entry at a depth of the tree.
public struct FileTreeRow: Equatable, Sendable {
    public var entry: FSEntry
    public var depth: Int
    /// The directory is open (its loaded children follow it).
    public var expanded: Bool
    /// Its listing is on the way.
    public var loading: Bool
}

/// The directory tree of one file system as the Files panel shows it: the
/// listings loaded so far, which directories are open, a name filter, the
/// selected row. Pure (no I/O): `expand` says which listing to ask for, and
/// `loaded` takes it when it comes. The rows are rebuilt on each change, not
/// on each frame, so a directory of 100,000 names costs nothing to draw.
public struct FileTree: Equatable, Sendable {
    public let rootInode: UInt64
    /// Listings by directory inode: directories first, then files, by name;
    /// file-system files and virtual entries (`$MFT`, `$OrphanFiles`) last.
    public private(set) var listings: [UInt64: [FSEntry]] = [:]
    /// Lower-cased names of `listings`, same order (for the filter).
    private var lowerNames: [UInt64: [String]] = [:]
    /// Directory inode → its path from the root, ending in `/` (`""` for the root).
    private var paths: [UInt64: String] = [:]
    public private(set) var loading: Set<UInt64> = []
    public private(set) var expanded: Set<UInt64> = []
    /// Case-insensitive substring of names; empty: no filter.
    public private(set) var filter = ""
    public private(set) var rows: [FileTreeRow] = []
    public private(set) var selection = 0
    /// Deepest level shown (a directory that contains an ancestor stops here too).
    public static let maxDepth = 64

    public init(rootInode: UInt64) {
        self.rootInode = rootInode
        loading = [rootInode]
        expanded = [rootInode]
    }

    /// The selected row's entry.
    public var selected: FSEntry? { selection < rows.count ? rows[selection].entry : nil }

    /// The listing of `directory` arrived (or failed: `entries` empty).
    /// Names get their directory's path (`docs/`) as `parent`, as `fls -p` prints them.
    public mutating func loaded(_ directory: UInt64, _ entries: [FSEntry]) {
        let prefix = paths[directory] ?? ""
        var entries = entries
        for i in entries.indices {
            entries[i].parent = prefix
            if entries[i].isDirectory, paths[entries[i].inode] == nil, entries[i].inode != rootInode {
                paths[entries[i].inode] = prefix + entries[i].name + "/"
            }
        }
        func system(_ e: FSEntry) -> Bool { e.name.hasPrefix("$") || e.nameType.lowercased() == "v" }
        let sorted = entries.sorted { a, b in
            if system(a) != system(b) { return system(b) }
            if a.isDirectory != b.isDirectory { return a.isDirectory }
            return (a.name, a.stream ?? "", a.inode) < (b.name, b.stream ?? "", b.inode)
        }
        listings[directory] = sorted
        lowerNames[directory] = sorted.map { $0.name.lowercased() }
        loading.remove(directory)
        rebuild()
    }

    /// Opens the selected directory; the inode to list when its listing is not loaded yet.
    public mutating func expandSelected() -> UInt64? {
        guard let e = selected, e.isDirectory else { return nil }
        expanded.insert(e.inode)
        defer { rebuild() }
        guard listings[e.inode] == nil, !loading.contains(e.inode) else { return nil }
        loading.insert(e.inode)
        return e.inode
    }

    /// Closes the selected directory, or moves to the parent of a file or closed directory.
    public mutating func collapseSelected() {
        guard selection < rows.count else { return }
        let row = rows[selection]
        if row.entry.isDirectory, expanded.contains(row.entry.inode), filter.isEmpty {
            expanded.remove(row.entry.inode)
            rebuild()
            return
        }
        var i = selection - 1
        while i >= 0 {
            if rows[i].depth < row.depth { selection = i; return }
            i -= 1
        }
    }

    public mutating func setFilter(_ text: String) {
        filter = text
        rebuild()
    }

    /// Moves the selection by `delta` rows (clamped).
    public mutating func move(by delta: Int) {
        selection = max(0, min(rows.count - 1, selection + delta))
    }

    public mutating func select(_ row: Int) {
        selection = max(0, min(rows.count - 1, row))
    }

    /// Recomputes `rows`, keeping the selected entry selected when it is still shown.
    private mutating func rebuild() {
        let keep = selected
        var out: [FileTreeRow] = []
        let needle = filter.lowercased()
        if needle.isEmpty {
            walk(rootInode, depth: 0, ancestors: [rootInode], into: &out)
        } else {
            var memo: [UInt64: Bool] = [:]
            filtered(rootInode, depth: 0, ancestors: [rootInode], needle: needle, memo: &memo, into: &out)
        }
        rows = out
        if let keep, let i = out.firstIndex(where: { $0.entry.inode == keep.inode && $0.entry.path == keep.path && $0.entry.attribute == keep.attribute }) {
            selection = i
        } else {
            selection = max(0, min(selection, out.count - 1))
        }
    }

    private func walk(_ dir: UInt64, depth: Int, ancestors: Set<UInt64>, into out: inout [FileTreeRow]) {
        guard let list = listings[dir] else { return }
        for e in list {
            let open = e.isDirectory && expanded.contains(e.inode) && !ancestors.contains(e.inode) && depth + 1 < Self.maxDepth
            out.append(FileTreeRow(entry: e, depth: depth, expanded: open && listings[e.inode] != nil, loading: open && loading.contains(e.inode)))
            if open { walk(e.inode, depth: depth + 1, ancestors: ancestors.union([e.inode]), into: &out) }
        }
    }

    /// Under a filter: every loaded directory counts as open; an entry shows
    /// when its name matches or a loaded entry below it does.
    private func filtered(_ dir: UInt64, depth: Int, ancestors: Set<UInt64>, needle: String,
                          memo: inout [UInt64: Bool], into out: inout [FileTreeRow]) {
        guard let list = listings[dir], let names = lowerNames[dir] else { return }
        for (i, e) in list.enumerated() {
            let descend = e.isDirectory && listings[e.inode] != nil && !ancestors.contains(e.inode) && depth + 1 < Self.maxDepth
            let matches = names[i].contains(needle)
            if !matches && !(descend && hasMatch(e.inode, needle: needle, ancestors: ancestors.union([e.inode]), memo: &memo)) { continue }
            out.append(FileTreeRow(entry: e, depth: depth, expanded: descend, loading: false))
            if descend { filtered(e.inode, depth: depth + 1, ancestors: ancestors.union([e.inode]), needle: needle, memo: &memo, into: &out) }
        }
    }

    private func hasMatch(_ dir: UInt64, needle: String, ancestors: Set<UInt64>, memo: inout [UInt64: Bool]) -> Bool {
        if let m = memo[dir] { return m }
        guard let list = listings[dir], let names = lowerNames[dir], ancestors.count < Self.maxDepth else { return false }
        var found = false
        for (i, e) in list.enumerated() {
            if names[i].contains(needle) { found = true; break }
            if e.isDirectory, listings[e.inode] != nil, !ancestors.contains(e.inode),
               hasMatch(e.inode, needle: needle, ancestors: ancestors.union([e.inode]), memo: &memo) {
                found = true
                break
            }
        }
        memo[dir] = found
        return found
    }
}
