import LinuxAIO

/// Something that happened to the viewer.
public enum ViewerEvent: Equatable, Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    /// Bytes scanned and planned by search `id` (`SearchState.id`; a stale id is ignored).
    case searchProgress(done: Int64, total: Int64, id: Int = 0)
    /// Search `id` ended; `skipped` are the ranges it could not read (not searched).
    case searchFinished(SearchOutcome, skipped: [Range<Int64>] = [], id: Int = 0)
    /// The partition and file-system probe finished.
    case structureLoaded(DiskLayout)
    /// The staged patches asked for by `.commit` were written (or not).
    case commitFinished(CommitOutcome)
    /// What the staged `runs` do to checksums (asked for by `.assessChecksums`).
    case checksumsAssessed([PatchRun], ChecksumAssessment)
    /// The structure panel's lost-partition scan progressed or ended.
    case partitionScanProgress(PartitionScanProgress)
    case partitionScanFinished(PartitionScanOutcome)
    /// The overview map's fill has news.
    case mapUpdated(OverviewMap)
    /// The Files panel's background work answered.
    case files(FilesEvent)
}

public enum SearchOutcome: Equatable, Sendable {
    case found(Int64)
    case notFound
    case cancelled
    case failed(String)
}

/// Work the reducer asks the app to do (the reducer itself does no I/O).
public enum ViewerEffect: Equatable, Sendable {
    case quit
    /// Search for `pattern` starting at `from` (inclusive), forward or
    /// backward; its events carry `id`. Replaces (cancels) a search under way.
    case startSearch(SearchPattern, from: Int64, forward: Bool, id: Int = 0)
    case cancelSearch
    /// Cancel the background job (`--hash`); `ViewerState.background` says which.
    case cancelBackground
    /// Read again the unreadable pages now visible.
    case retryUnreadable
    /// Write the staged runs with `sync` (journal first, then write, then read back).
    case commit([PatchRun], sync: SyncLevel)
    /// Tell which checksums the staged runs break (the `W` dialog shows it).
    case assessChecksums([PatchRun])
    /// Scan for lost partitions in the background (`S` in the structure panel), or stop.
    case startPartitionScan
    case cancelPartitionScan
    /// Start filling the overview map of `plan` (stopping an earlier fill).
    case startMap(MapPlan, fill: Int)
    /// Stop the overview map's fill.
    case stopMap
    /// The Files panel's work (listings, runs, owner maps).
    case files(FilesRequest)
}

import DiskFormats

/// `reduce(state, event) -> effects`: keys follow less/vim habits; edit mode
/// and the `W` dialog are in `ViewerReducer+Edit.swift`.
public enum ViewerReducer {
    public static func reduce(_ s: inout ViewerState, _ event: ViewerEvent) -> [ViewerEffect] {
        switch event {
        case let .resize(w, h):
            s.width = w
            s.height = h
            s.scrollToCursor()
            return []
        case let .searchProgress(done, total, id):
            if s.search.progress != nil, id == s.search.id { s.search.progress = (done, total) }
            return []
        case let .searchFinished(outcome, skipped, id):
            guard id == s.search.id else { return [] }  // a search replaced by a newer one
            searchFinished(&s, outcome, skipped: skipped)
            return []
        case let .structureLoaded(layout):
            s.disk = layout
            s.structureSelection = min(s.structureSelection, max(0, s.structureEntries.count - 1))
            return []
        case let .key(k):
            return key(&s, k)
        case let .commitFinished(outcome):
            finishCommit(&s, outcome)
            return []
        case let .checksumsAssessed(runs, assessment):
            checksumsAssessed(&s, runs, assessment)
            return []
        case let .partitionScanProgress(p):
            partitionScanProgressed(&s, p)
            return []
        case let .partitionScanFinished(o):
            partitionScanFinished(&s, o)
            return []
        case let .mapUpdated(map):
            s.mapUpdated(map)
            return []
        case let .files(e):
            return FilesReducer.event(&s, e)
        }
    }

    private static func key(_ s: inout ViewerState, _ k: Key) -> [ViewerEffect] {
        if k == .hangup {
            s.quit = true
            return [.quit]
        }
        if s.prompt != nil { return promptKey(&s, k) }
        if s.commitPrompt != nil { return commitKey(&s, k) }
        if s.showHelp {
            s.showHelp = false
            return []
        }
        if s.search.progress != nil, k == .escape {
            s.search.progress = nil
            s.search.id += 1  // whatever the cancelled search still reports is stale
            s.message = .init(text: "search cancelled", role: .warning)
            return [.cancelSearch]
        }
        // "n again wraps" holds for the next n (N) only: another key searches from the cursor again.
        if k != .char("n") && k != .char("N") { s.search.wrapArmed = nil }
        if k == .escape, let stop = s.mapEscape() { return stop }
        // Any key but the second q / H forgets the question, a key the
        // structure panel takes too.
        let wasConfirming = s.confirmingQuit
        s.confirmingQuit = false
        let wasConfirmingCancel = s.confirmingBackgroundCancel
        s.confirmingBackgroundCancel = false
        if s.focus == .structure, let effects = partitionScanKey(&s, k) { return effects }
        if s.focus == .structure, s.structureKey(k) { return [] }
        if s.focus == .map, let e = s.mapKey(k) { return e }
        if s.focus == .inspector, let e = s.inspectorKey(k) { return e }
        if k != .escape { s.message = nil }
        if s.focus == .files, let effects = FilesReducer.key(&s, k) { return effects }
        if s.edit != nil, let handled = editKey(&s, k) { return handled }
        let l = s.layout
        let row = Int64(l.bytesPerRow)
        switch k {
        case .up, .char("k"): s.moveCursor(by: -row)
        case .down, .char("j"): s.moveCursor(by: row)
        case .left, .char("h"): s.moveCursor(by: -1)
        case .right, .char("l"): s.moveCursor(by: 1)
        case .pageDown, .char(" "), .ctrl("f"): s.page(by: 1)
        case .pageUp, .ctrl("b"): s.page(by: -1)
        case .home, .char("g"): s.moveCursor(to: 0)
        case .end, .char("G"): s.moveCursor(to: max(0, s.source.size - 1))
        case let .wheel(d): s.scroll(rows: d * 3)
        case .char(":"), .function(2): s.prompt = Prompt(kind: .goto, text: "")
        case .char("/"), .function(3): s.prompt = Prompt(kind: .search, text: "")
        case .char("n"): return searchAgain(&s, forward: true)
        case .char("N"): return searchAgain(&s, forward: false)
        case .char("i"), .function(4): s.toggle(.inFlight)
        case .char("L"), .function(5): s.toggle(.latency)
        case .char("w"), .function(6): s.toggle(.journal)
        case .char("s"), .function(7): s.toggle(.structure)
        case .char("m"), .function(8): return s.toggleMap()
        case .char("I"), .function(9): s.toggle(.inspector)
        case .char("["): s.jumpClassChange(forward: false)
        case .char("]"): s.jumpClassChange(forward: true)
        case let .click(x, y): return s.click(x: x, y: y)
        case .char("f"), .function(11): return FilesReducer.toggle(&s)
        case .tab: s.cycleFocus(by: 1)
        case .backTab: s.cycleFocus(by: -1)
        case .char("+"):
            s.panelHeight = min(max(s.panelHeight, l.panelRows) + 1, max(4, s.height - 8))
            s.panelHeightChosen = true
        case .char("-"):
            s.panelHeight = max(4, (l.panelRows > 0 ? l.panelRows : s.panelHeight) - 1)
            s.panelHeightChosen = true
        case .char("?"), .function(1): s.showHelp = true
        case .char("r"): return [.retryUnreadable]
        case .char("H"): return cancelBackground(&s, confirmed: wasConfirmingCancel)
        case .char("e"): startEdit(&s)
        case .char("W"): return startCommit(&s)
        case .char("u"): undoStaged(&s)
        case .char("q"), .function(10):
            if s.stagedPatches > 0 && !wasConfirming {
                s.confirmingQuit = true
                s.message = .init(text: "\(plural(s.stagedPatches, "staged byte")) not written: q again to quit and drop them", role: .warning)
                return []
            }
            s.quit = true
            return [.quit]
        case .escape:
            s.message = nil
        default:
            break
        }
        return []
    }

    /// `H` asks, a second `H` cancels: an hour of hashing is not lost to one key.
    private static func cancelBackground(_ s: inout ViewerState, confirmed: Bool) -> [ViewerEffect] {
        guard let job = s.background, job.isRunning else {
            s.message = .init(text: confirmed ? "the background hash has already finished"
                                              : "no background hash is running (--hash starts one)", role: .dim)
            return []
        }
        guard confirmed else {
            s.confirmingBackgroundCancel = true
            s.message = .init(text: "H again cancels the background hash (\(job.text ?? "running")); the exit hash still runs",
                              role: .warning)
            return []
        }
        s.message = .init(text: "background hash cancelled", role: .warning)
        return [.cancelBackground]
    }

    private static func promptKey(_ s: inout ViewerState, _ k: Key) -> [ViewerEffect] {
        guard var p = s.prompt else { return [] }
        switch k {
        case .escape:
            s.prompt = nil
        case .backspace:
            if p.text.isEmpty { s.prompt = nil } else { p.text.removeLast(); s.prompt = p }
        case let .char(c):
            p.text.append(c)
            s.prompt = p
        case .enter:
            s.prompt = nil
            switch p.kind {
            case .goto:
                do {
                    let off = try GotoExpression.resolve(p.text, cursor: s.cursor, size: s.source.size,
                                                         sectorSize: s.disk?.sectorSize ?? s.source.sectorSize,
                                                         partitions: s.partitionStarts)
                    s.moveCursor(to: off, center: true)
                } catch {
                    s.message = .init(text: error.description, role: .error)
                }
            case .search:
                guard let pattern = SearchPattern.parse(p.text) else {
                    s.message = .init(text: "search: type hex (de ad be ef) or \"text\"", role: .error)
                    return []
                }
                s.search.pattern = pattern
                s.search.lastMatch = nil
                s.search.wrapArmed = nil
                s.search.progress = nil  // a new search replaces the one under way
                return searchAgain(&s, forward: true)
            case let .inspector(field):
                s.stageInspectorValue(field, p.text)
            }
        default:
            break
        }
        return []
    }

    /// `n` / `N`: the next match after (before) the cursor; after a search
    /// that ran off the end (the start), the same key wraps to the other end.
    private static func searchAgain(_ s: inout ViewerState, forward: Bool) -> [ViewerEffect] {
        guard let pattern = s.search.pattern else {
            s.message = .init(text: "no search yet: / to search", role: .warning)
            return []
        }
        guard s.search.progress == nil else { return [] }
        var from = forward ? s.cursor + 1 : s.cursor - 1
        let wraps = s.search.wrapArmed == forward
        if wraps { from = forward ? 0 : s.source.size - 1 }
        s.search.wrapArmed = nil
        guard from >= 0 && from < s.source.size else {
            s.message = .init(text: noMoreMatches(&s, from: from, forward: forward), role: .warning)
            return []
        }
        s.search.id += 1
        s.search.from = from
        s.search.forward = forward
        s.search.wrapped = wraps
        s.search.progress = (0, forward ? s.source.size - from : from + 1)
        return [.startSearch(pattern, from: from, forward: forward, id: s.search.id)]
    }

    private static func searchFinished(_ s: inout ViewerState, _ outcome: SearchOutcome, skipped: [Range<Int64>]) {
        s.search.progress = nil
        switch outcome {
        case let .found(off):
            s.search.lastMatch = off
            s.moveCursor(to: off, center: true)
            var text = "\(s.search.pattern?.description ?? "match") at 0x\(String(off, radix: 16))"
            if s.search.wrapped { text += s.search.forward ? " (wrapped to the top)" : " (wrapped to the bottom)" }
            s.message = .init(text: text + skippedNote(skipped), role: skipped.isEmpty ? .good : .warning)
        case .notFound:
            let text = noMoreMatches(&s, from: s.search.from, forward: s.search.forward)
            s.message = .init(text: text + skippedNote(skipped), role: .warning)
        case .cancelled:
            s.message = .init(text: "search cancelled", role: .warning)
        case let .failed(why):
            s.message = .init(text: "search failed: \(why)", role: .error)
        }
    }

    /// `; 1 unreadable range skipped at 0x200000 (64 KiB)`: the search went
    /// past bytes it could not read (they were not searched, nor taken as zeros).
    private static func skippedNote(_ skipped: [Range<Int64>]) -> String {
        guard let first = skipped.first else { return "" }
        let size = ByteSize.format(Int64(first.count))
        if skipped.count == 1 { return "; 1 unreadable range skipped at 0x\(String(first.lowerBound, radix: 16)) (\(size))" }
        return "; \(skipped.count) unreadable ranges skipped, the first at 0x\(String(first.lowerBound, radix: 16)) (\(size))"
    }

    /// A search that found nothing: "not found" only when it covered the
    /// whole media; else "no more matches" and the next `n` (`N`) wraps.
    private static func noMoreMatches(_ s: inout ViewerState, from: Int64, forward: Bool) -> String {
        let pattern = s.search.pattern?.description ?? ""
        let whole = forward ? from <= 0 : from >= s.source.size - 1
        if whole { return "not found: \(pattern)" }
        s.search.wrapArmed = forward
        let at = "0x" + String(s.cursor, radix: 16)
        return forward ? "no more matches below \(at) — n again wraps to the top"
                       : "no more matches above \(at) — N again wraps to the bottom"
    }
}

extension ViewerState {
    mutating func moveCursor(by delta: Int64) {
        let target = cursor + delta
        guard target >= 0 && target < source.size else { return }
        moveCursor(to: target)
    }

    /// Puts the cursor on `offset` (clamped), scrolling as little as needed or, with `center`, to mid-screen.
    public mutating func moveCursor(to offset: Int64, center: Bool = false) {
        cursor = min(max(0, offset), max(0, source.size - 1))
        if center {
            let l = layout
            let row = Int64(l.bytesPerRow)
            top = clampTop(cursor / row * row - Int64(l.hexRows / 2) * row)
        }
        scrollToCursor()
    }

    /// Keeps the cursor's row on screen and `top` row-aligned and in range.
    mutating func scrollToCursor() {
        let l = layout
        let row = Int64(l.bytesPerRow)
        let cursorRow = cursor / row * row
        top = top / row * row
        if cursorRow < top { top = cursorRow }
        let last = top + Int64(l.hexRows - 1) * row
        if cursorRow > last { top = cursorRow - Int64(l.hexRows - 1) * row }
        top = clampTop(top)
    }

    func clampTop(_ t: Int64) -> Int64 {
        let l = layout
        let row = Int64(l.bytesPerRow)
        let lastRow = max(0, source.size - 1) / row * row
        let maxTop = max(0, lastRow - Int64(l.hexRows - 1) * row)
        return min(max(0, t), maxTop)
    }

    /// One screen down (+1) or up (-1), moving the view and the cursor together.
    mutating func page(by screens: Int) {
        let l = layout
        let delta = Int64(screens) * l.screenBytes
        let newTop = clampTop(top + delta)
        let moved = newTop - top
        top = newTop
        var c = cursor + (moved != 0 ? moved : delta)
        c = min(max(0, c), max(0, source.size - 1))
        cursor = c
        scrollToCursor()
    }

    mutating func scroll(rows: Int) {
        let l = layout
        let row = Int64(l.bytesPerRow)
        top = clampTop(top + Int64(rows) * row)
        let last = top + Int64(l.hexRows - 1) * row
        if cursor < top { cursor = min(top + cursor % row, source.size - 1) }
        if cursor >= last + row { cursor = min(last + cursor % row, source.size - 1) }
    }

    mutating func toggle(_ p: Panel) {
        if let i = panels.firstIndex(of: p) {
            panels.remove(at: i)
            if focus == p { focus = nil }
        } else {
            panels.append(p)
            panels.sort { Panel.allCases.firstIndex(of: $0)! < Panel.allCases.firstIndex(of: $1)! }
        }
        scrollToCursor()
    }

    mutating func cycleFocus(by step: Int) {
        let ring: [Panel?] = [nil] + panels.map { Optional($0) }
        let i = ring.firstIndex(of: focus) ?? 0
        focus = ring[(i + step + ring.count) % ring.count]
    }

    mutating func refuseEdit() {
        switch source.access {
        case .forensic:
            message = .init(text: "forensic mode: the evidence is never written; editing is disabled", role: .error)
        case .readOnly:
            message = .init(text: "read-only: reopen with --write to edit and patch", role: .error)
        case .writable:
            break
        }
    }
}
