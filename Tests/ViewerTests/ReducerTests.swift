import DiskFormats
import Inspector
import LinuxAIO
import Testing

let gotoCases: [(String, Int64)] = [
    ("0x1fe", 0x1fe), ("510", 510), ("4KiB", 4096), ("s1000", 1000 * 512),
    ("s1+0x10", 512 + 16), ("+0x200", 0x1000 + 0x200), ("-512", 0x1000 - 512),
]

@Suite("Reducer: keys to state and effects")
struct ReducerTests {
    func state(size: Int64 = 1 << 20, access: AccessMode = .readOnly) -> ViewerState {
        ViewerState(source: Fixture.summary(size: size, access: access), width: 80, height: 24)
    }

    @discardableResult
    func press(_ s: inout ViewerState, _ keys: Key...) -> [ViewerEffect] {
        keys.flatMap { ViewerReducer.reduce(&s, .key($0)) }
    }

    func type(_ s: inout ViewerState, _ text: String) -> [ViewerEffect] {
        text.flatMap { ViewerReducer.reduce(&s, .key(.char($0))) } + ViewerReducer.reduce(&s, .key(.enter))
    }

    @Test("arrows and hjkl move by byte and row, clamped to the media")
    func movement() {
        var s = state()
        press(&s, .right, .char("l"), .down, .char("j"))
        #expect(s.cursor == 2 + 32)
        press(&s, .left, .char("h"), .up, .char("k"))
        #expect(s.cursor == 0)
        press(&s, .up, .left)
        #expect(s.cursor == 0)
        press(&s, .char("G"))
        #expect(s.cursor == (1 << 20) - 1)
        press(&s, .right, .down)
        #expect(s.cursor == (1 << 20) - 1)
        press(&s, .home)
        #expect(s.cursor == 0 && s.top == 0)
    }

    @Test("PgDn, Space and Ctrl-F page by one screen; PgUp and Ctrl-B back")
    func paging() {
        var s = state()
        let screen = s.layout.screenBytes
        press(&s, .pageDown)
        #expect(s.top == screen && s.cursor == screen)
        press(&s, .char(" "), .ctrl("f"))
        #expect(s.top == 3 * screen)
        press(&s, .pageUp, .ctrl("b"))
        #expect(s.top == screen && s.cursor == screen)
        press(&s, .end)
        let lastTop = s.top
        press(&s, .pageDown)
        #expect(s.top == lastTop, "no scrolling past the end")
        #expect(s.visibleRange.upperBound == 1 << 20)
    }

    @Test("goto takes hex, decimal, sizes, sectors and relative offsets",
          arguments: gotoCases)
    func gotoForms(text: String, expected: Int64) {
        var s = state()
        s.moveCursor(to: 0x1000)
        press(&s, .char(":"))
        _ = type(&s, text)
        #expect(s.cursor == expected)
        #expect(s.message == nil)
        #expect(s.visibleRange.contains(expected))
    }

    @Test("goto rejects garbage and offsets past the end, leaving the cursor", arguments: ["zz", "0x100000", "-0x20", "s99999999", "1+"])
    func gotoErrors(text: String) {
        var s = state()
        s.moveCursor(to: 0x10)
        press(&s, .char(":"))
        _ = type(&s, text)
        #expect(s.cursor == 0x10)
        #expect(s.message?.role == .error)
        #expect(s.message?.text.hasPrefix("goto:") == true)
    }

    @Test("/ starts a search from after the cursor; n and N go on; Esc cancels; a cancelled search's result is ignored")
    func search() {
        var s = state()
        let p = SearchPattern(bytes: [0xde, 0xad, 0xbe, 0xef])
        press(&s, .char("/"))
        #expect(type(&s, "de ad be ef") == [.startSearch(p, from: 1, forward: true, id: 1)])
        #expect(press(&s, .escape) == [.cancelSearch])
        #expect(s.search.progress == nil && s.message?.text == "search cancelled")
        _ = ViewerReducer.reduce(&s, .searchFinished(.found(0x4000), id: 1))
        #expect(s.cursor == 0 && s.message?.text == "search cancelled", "the cancelled search's result is ignored")
        #expect(press(&s, .char("n")) == [.startSearch(p, from: 1, forward: true, id: 3)])
        _ = ViewerReducer.reduce(&s, .searchProgress(done: 5, total: 10, id: 1))
        #expect(s.search.progress?.done == 0, "progress of a stale search is ignored")
        _ = ViewerReducer.reduce(&s, .searchProgress(done: 5, total: 10, id: 3))
        #expect(s.search.progress?.done == 5)
        _ = ViewerReducer.reduce(&s, .searchFinished(.found(0x4000), id: 3))
        #expect(s.cursor == 0x4000 && s.search.lastMatch == 0x4000)
        #expect(press(&s, .char("n")) == [.startSearch(p, from: 0x4001, forward: true, id: 4)])
        #expect(press(&s, .char("n")).isEmpty, "one n at a time")
        _ = ViewerReducer.reduce(&s, .searchFinished(.notFound, id: 4))
        #expect(press(&s, .char("N")) == [.startSearch(p, from: 0x3fff, forward: false, id: 5)])
        // A new / while a search runs replaces it.
        press(&s, .char("/"))
        #expect(type(&s, "\"abc\"") == [.startSearch(SearchPattern(bytes: Array("abc".utf8), isText: true), from: 0x4001, forward: true, id: 6)])
        _ = ViewerReducer.reduce(&s, .searchFinished(.found(0x100), id: 5))
        #expect(s.cursor == 0x4000 && s.search.progress != nil)
    }

    @Test("a match or a miss past unreadable ranges names them")
    func skippedRanges() {
        var s = state()
        press(&s, .char("/"))
        _ = type(&s, "\"abc\"")
        _ = ViewerReducer.reduce(&s, .searchFinished(.found(0x9000), skipped: [0x2000..<0x3000], id: 1))
        #expect(s.message?.text == "\"abc\" at 0x9000; 1 unreadable range skipped at 0x2000 (4 KiB)")
        #expect(s.message?.role == .warning)
        press(&s, .char("n"))
        _ = ViewerReducer.reduce(&s, .searchFinished(.notFound, skipped: [0xa000..<0xa200, 0xc000..<0xd000], id: 2))
        #expect(s.message?.text == "no more matches below 0x9000 — n again wraps to the top; "
            + "2 unreadable ranges skipped, the first at 0xa000 (512 B)")
    }

    @Test("search patterns: hex with or without spaces, quoted text, bare text")
    func patterns() {
        #expect(SearchPattern.parse("deadbeef")?.bytes == [0xde, 0xad, 0xbe, 0xef])
        #expect(SearchPattern.parse("0x55aa")?.bytes == [0x55, 0xaa])
        #expect(SearchPattern.parse("\"MSWIN4.1\"") == SearchPattern(bytes: Array("MSWIN4.1".utf8), isText: true))
        #expect(SearchPattern.parse("EFI PART")?.isText == true)
        #expect(SearchPattern.parse("  ") == nil)
        #expect(SearchPattern.parse("\"\"") == nil)
    }

    @Test("i, L, w toggle panels; Tab cycles focus; + and - resize")
    func panels() {
        var s = state()
        let rows = s.layout.hexRows
        press(&s, .char("i"), .char("L"), .char("w"))
        #expect(s.panels == [.inFlight, .latency, .journal])
        #expect(s.layout.hexRows == rows - s.panelHeight)
        press(&s, .tab)
        #expect(s.focus == .inFlight)
        press(&s, .tab, .tab, .tab)
        #expect(s.focus == nil)
        press(&s, .char("+"))
        #expect(s.panelHeight == 10)
        press(&s, .char("-"), .char("-"))
        #expect(s.panelHeight == 8)
        press(&s, .function(4), .function(5), .function(6))
        #expect(s.panels.isEmpty)
        #expect(s.layout.hexRows == rows)
    }

    @Test("edit keys are refused with the reason", arguments: [(AccessMode.readOnly, "read-only"), (.forensic, "forensic")])
    func editRefused(access: AccessMode, word: String) {
        for k in ["e", "W", "u"] {
            var s = state(access: access)
            press(&s, .char(Character(k)))
            #expect(s.message?.role == .error)
            #expect(s.message?.text.contains(word) == true)
        }
    }

    @Test("q quits; with staged patches it asks first")
    func quit() {
        var s = state()
        #expect(press(&s, .char("q")) == [.quit])
        var t = state(access: .writable)
        _ = press(&t, .char("e"), .char("a"), .char("b"), .char("c"), .char("d"), .escape)
        #expect(t.stagedPatches == 2)
        #expect(press(&t, .char("q")).isEmpty)
        #expect(t.confirmingQuit)
        #expect(press(&t, .char("q")) == [.quit])
    }

    @Test("H asks, H again cancels the background hash; another key in between forgets the question")
    func cancelBackgroundHash() {
        var s = state()
        #expect(press(&s, .char("H")).isEmpty)
        #expect(s.message?.text.contains("no background hash") == true)
        let job = BackgroundStatus()
        job.set("hash 42%")
        let cancelled = Protected(0)
        job.setCanceller { cancelled.withLock { $0 += 1 } }
        s.background = job
        #expect(press(&s, .char("H")).isEmpty)
        #expect(s.confirmingBackgroundCancel && s.message?.text.contains("hash 42%") == true)
        #expect(press(&s, .char("j"), .char("H")).isEmpty, "a key in between: H asks again")
        #expect(press(&s, .char("H")) == [.cancelBackground])
        #expect(!s.confirmingBackgroundCancel)
        // What the session does with the effect: the job's canceller, once.
        #expect(job.cancel() && !job.cancel())
        #expect(cancelled.withLock { $0 } == 1 && !job.isRunning)
    }

    @Test("a terminal that goes away quits at once, staged patches or not")
    func hangup() {
        var s = state(access: .writable)
        #expect(press(&s, .hangup) == [.quit])
        #expect(s.quit)
    }

    @Test("a resize keeps the cursor on screen")
    func resize() {
        var s = state()
        s.moveCursor(to: 0x3000)
        _ = ViewerReducer.reduce(&s, .resize(width: 160, height: 10))
        #expect(s.layout.bytesPerRow == 32)
        #expect(s.visibleRange.contains(0x3000))
        _ = ViewerReducer.reduce(&s, .resize(width: 80, height: 24))
        #expect(s.visibleRange.contains(0x3000))
    }

    @Test("the mouse wheel scrolls three rows and drags the cursor along")
    func wheel() {
        var s = state()
        press(&s, .wheel(1))
        #expect(s.top == 48 && s.cursor == 48)
        press(&s, .wheel(-1))
        #expect(s.top == 0)
    }

    @Test("a tiny or empty medium does not trap")
    func tiny() {
        var s = state(size: 3)
        press(&s, .pageDown, .end, .down, .wheel(1))
        #expect(s.cursor == 2 && s.top == 0)
        _ = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: [1, 2, 3]))
    }
}

@Suite("Structure panel and partition addresses")
struct StructureNavigationTests {
    static func layout() -> DiskLayout {
        var p1 = Partition(index: 1, start: 2048, size: 4096, type: "0x0c", typeName: "W95 FAT32 (LBA)", bootable: true, kind: .primary)
        p1.filesystem = FileSystemInfo(type: "vfat", label: "DEMO", uuid: "1234-ABCD", offset: 2048 * 512)
        let p2 = Partition(index: 2, start: 8192, size: 4096, type: "0x83", typeName: "Linux", kind: .primary)
        return DiskLayout(size: 1 << 20 * 8, sectorSize: 512, scheme: .mbr, partitions: [p1, p2])
    }

    func loaded() -> ViewerState {
        var s = ViewerState(source: Fixture.summary(size: 8 << 20), width: 100, height: 30)
        _ = ViewerReducer.reduce(&s, .structureLoaded(Self.layout()))
        return s
    }

    @Test("goto p2 and p2+s100 use the partition table")
    func partitionGoto() {
        var s = loaded()
        for (text, want) in [("p2", Int64(8192 * 512)), ("p2+s100", Int64(8292 * 512)), ("p1+0x10", Int64(2048 * 512 + 16))] {
            _ = ViewerReducer.reduce(&s, .key(.char(":")))
            for c in text { _ = ViewerReducer.reduce(&s, .key(.char(c))) }
            _ = ViewerReducer.reduce(&s, .key(.enter))
            #expect(s.cursor == want, "\(text)")
        }
        _ = ViewerReducer.reduce(&s, .key(.char(":")))
        for c in "p7" { _ = ViewerReducer.reduce(&s, .key(.char(c))) }
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.message?.text == "goto: there is no partition 7")
    }

    @Test("s shows the panel; with focus, arrows select and Enter jumps")
    func panelJump() {
        var s = loaded()
        _ = ViewerReducer.reduce(&s, .key(.char("s")))
        #expect(s.panels == [.structure])
        _ = ViewerReducer.reduce(&s, .key(.tab))
        #expect(s.focus == .structure)
        let rows = s.structureEntries
        #expect(rows.map(\.offset) == [2048 * 512, 8192 * 512])
        _ = ViewerReducer.reduce(&s, .key(.down))
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.cursor == 8192 * 512)
        #expect(s.top == 8192 * 512)
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: []))
        #expect(screen.text.contains("p1  W95 FAT32 (LBA)  2 MiB  vfat DEMO"))
        #expect(screen.text.contains("MBR · 512-byte sectors"))
    }
}
