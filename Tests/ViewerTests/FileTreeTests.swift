import DiskFormats
import FileSystems
import Inspector
import Testing

/// The Files panel's tree model and reducer, without a worker: listings are
/// handed in as the worker would send them.
@Suite("Files panel: tree model, filter, keys, tint")
struct FileTreeTests {
    static func entry(_ name: String, _ inode: UInt64, dir: Bool = false, deleted: Bool = false, parent: String = "") -> FSEntry {
        FSEntry(parent: parent, name: name, inode: inode, nameType: dir ? "d" : "r", metaType: dir ? "d" : "r", deleted: deleted,
                metaAllocated: !deleted, isDirectory: dir, size: dir ? 1024 : Int64(inode) * 100)
    }

    /// root(2): docs/(12) [ledger.txt 13, notes.md 14, old/(15) [a.bin 16]], readme 20, gone.txt 21 (deleted)
    static func tree() -> FileTree {
        var t = FileTree(rootInode: 2)
        t.loaded(2, [entry("readme", 20), entry("docs", 12, dir: true), entry("gone.txt", 21, deleted: true)])
        return t
    }

    @Test("directories first, then names; expand asks for the listing once, collapse closes")
    func expandCollapse() {
        var t = Self.tree()
        #expect(t.rows.map(\.entry.name) == ["docs", "gone.txt", "readme"])
        #expect(t.selected?.name == "docs")
        #expect(t.expandSelected() == 12)
        #expect(t.rows.first?.loading == true)
        #expect(t.expandSelected() == nil, "a listing on the way is not asked for again")
        t.loaded(12, [Self.entry("notes.md", 14, parent: "docs/"), Self.entry("ledger.txt", 13, parent: "docs/"),
                      Self.entry("old", 15, dir: true, parent: "docs/")])
        #expect(t.rows.map(\.entry.name) == ["docs", "old", "ledger.txt", "notes.md", "gone.txt", "readme"])
        #expect(t.rows.map(\.depth) == [0, 1, 1, 1, 0, 0])
        #expect(t.rows.map(\.entry.path) == ["docs", "docs/old", "docs/ledger.txt", "docs/notes.md", "gone.txt", "readme"])
        t.move(by: 2)
        #expect(t.selected?.name == "ledger.txt")
        t.collapseSelected()  // a file: to its directory
        #expect(t.selected?.name == "docs")
        t.collapseSelected()
        #expect(t.rows.map(\.entry.name) == ["docs", "gone.txt", "readme"])
        #expect(t.expandSelected() == nil, "loaded once: opening again needs no listing")
        #expect(t.rows.count == 6)
    }

    @Test("the filter keeps matches and the directories that lead to them, case-insensitively")
    func filter() {
        var t = Self.tree()
        _ = t.expandSelected()
        t.loaded(12, [Self.entry("Ledger.TXT", 13, parent: "docs/"), Self.entry("old", 15, dir: true, parent: "docs/")])
        t.loaded(15, [Self.entry("ledger-2019.bak", 16, parent: "docs/old/")])
        t.collapseSelected()  // closed, but the filter looks into every loaded listing
        t.setFilter("LEDGER")
        #expect(t.rows.map(\.entry.name) == ["docs", "old", "ledger-2019.bak", "Ledger.TXT"])
        t.setFilter("gone")
        #expect(t.rows.map(\.entry.name) == ["gone.txt"])
        #expect(t.selected?.name == "gone.txt")
        t.setFilter("nothing like it")
        #expect(t.rows.isEmpty && t.selected == nil)
        t.setFilter("")
        #expect(t.rows.map(\.entry.name) == ["docs", "gone.txt", "readme"])
    }

    @Test("a directory that contains its own ancestor does not loop")
    func loop() {
        var t = FileTree(rootInode: 2)
        t.loaded(2, [Self.entry("a", 10, dir: true)])
        _ = t.expandSelected()
        t.loaded(10, [Self.entry("back", 2, dir: true), Self.entry("self", 10, dir: true)])
        t.move(by: 1)
        _ = t.expandSelected()
        #expect(t.rows.map(\.entry.name) == ["a", "back", "self"], "ancestors are never opened again")
        #expect(t.rows.map(\.expanded) == [true, false, false])
        t.setFilter("zzz")
        #expect(t.rows.isEmpty)
    }

    @Test("100,000 names in one directory: filter and moves stay cheap and exact")
    func large() {
        var t = FileTree(rootInode: 2)
        let many = (0..<100_000).map { Self.entry(String(format: "file%06d.dat", $0), UInt64(100 + $0)) }
        t.loaded(2, many.shuffled())
        #expect(t.rows.count == 100_000)
        #expect(t.rows.first?.entry.name == "file000000.dat" && t.rows.last?.entry.name == "file099999.dat")
        t.select(99_999)
        #expect(t.selected?.name == "file099999.dat")
        t.setFilter("99999")
        #expect(t.rows.map(\.entry.name) == ["file099999.dat"])
        #expect(t.selected?.name == "file099999.dat", "the selection follows its entry")
        t.setFilter("0001")
        #expect(t.rows.count == many.filter { $0.name.contains("0001") }.count)
        #expect(t.rows.allSatisfy { $0.entry.name.contains("0001") })
    }

    static let info = FSInfo(type: "ext4", blockSize: 1024, blockCount: 4096, lastBlock: 4095, firstInode: 1,
                             lastInode: 1024, rootInode: 2, offset: 1 << 20)

    static func state() -> ViewerState {
        var s = ViewerState(source: Fixture.summary(size: 8 << 20), width: 140, height: 40)
        let fs = FileSystemInfo(type: "ext4", offset: 1 << 20)
        let p1 = Partition(index: 1, start: 2048, size: 8192, type: "0x83", typeName: "Linux", kind: .primary, filesystem: fs)
        _ = ViewerReducer.reduce(&s, .structureLoaded(DiskLayout(size: 8 << 20, sectorSize: 512, scheme: .mbr, partitions: [p1])))
        return s
    }

    @Test("f opens the partition under the cursor; Enter on a file jumps to its first data byte; its runs are tinted")
    func reducer() {
        var s = Self.state()
        s.moveCursor(to: (1 << 20) + 5000)
        var fx = ViewerReducer.reduce(&s, .key(.char("f")))
        #expect(fx == [.files(.open(fsOffset: 1 << 20, place: "p1")), .files(.buildMap(fsOffset: 1 << 20))])
        #expect(s.focus == .files)
        fx = ViewerReducer.reduce(&s, .files(.opened(fsOffset: 1 << 20, Self.info)))
        #expect(fx == [.files(.list(fsOffset: 1 << 20, directory: 2))])
        let ledger = Self.entry("ledger.txt", 13)
        fx = ViewerReducer.reduce(&s, .files(.listed(fsOffset: 1 << 20, directory: 2, [ledger, Self.entry("docs", 12, dir: true)], error: nil)))
        #expect(fx == [.files(.runs(fsOffset: 1 << 20, entry: Self.entry("docs", 12, dir: true)))])
        fx = ViewerReducer.reduce(&s, .key(.down))
        #expect(fx == [.files(.runs(fsOffset: 1 << 20, entry: ledger))])
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.files.jumpPending)
        let a = FSAttribute(type: 1, id: 0)
        let runs = [FSRun(attribute: a, attributeName: nil, attributeSize: 1300, kind: .sparse, fileBlock: 0, block: 0, length: 1),
                    FSRun(attribute: a, attributeName: nil, attributeSize: 1300, kind: .blocks, fileBlock: 1, block: 700, length: 1)]
        _ = ViewerReducer.reduce(&s, .files(.runs(fsOffset: 1 << 20, entry: ledger, runs, record: nil, error: nil)))
        #expect(s.cursor == (1 << 20) + 700 * 1024, "the sparse first block holds no byte: the first stored one is block 700")
        #expect(s.files.tinted((1 << 20) + 700 * 1024 + 1023) && !s.files.tinted((1 << 20) + 701 * 1024))
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: []))
        #expect(screen.text.contains("+0: sparse 1 blocks"), "\(screen.text)")
        #expect(screen.text.contains("+1: blocks 700+1 @0x1af000"), "\(screen.text)")
        #expect(screen.text.contains("first data byte at 0x1af000"))
        _ = ViewerReducer.reduce(&s, .key(.escape))
        #expect(ViewerRenderer.render(s, Fixture.snapshot(s, bytes: [])).text.contains("F11 Files"))
    }

    @Test("NTFS resident data: Enter goes to the MFT record that holds it, and says so; the record is tinted")
    func resident() {
        var s = Self.state()
        s.moveCursor(to: (1 << 20) + 10)
        _ = ViewerReducer.reduce(&s, .key(.char("f")))
        let ntfs = FSInfo(type: "ntfs", blockSize: 4096, blockCount: 1024, lastBlock: 1023, firstInode: 0, lastInode: 200, rootInode: 5, offset: 1 << 20)
        _ = ViewerReducer.reduce(&s, .files(.opened(fsOffset: 1 << 20, ntfs)))
        var small = Self.entry("small.txt", 65)
        small.attribute = FSAttribute(type: 128, id: 2)
        _ = ViewerReducer.reduce(&s, .files(.listed(fsOffset: 1 << 20, directory: 5, [small], error: nil)))
        let run = FSRun(attribute: FSAttribute(type: 128, id: 2), attributeName: nil, attributeSize: 120, kind: .resident, fileBlock: 0, block: 0, length: 120)
        _ = ViewerReducer.reduce(&s, .key(.enter))
        _ = ViewerReducer.reduce(&s, .files(.runs(fsOffset: 1 << 20, entry: small, [run], record: 0x150400, error: nil)))
        #expect(s.cursor == 0x150400)
        #expect(s.message?.text == "small.txt: 120 bytes resident inside MFT entry 65, its record at 0x150400")
        #expect(s.files.tinted(0x150400 + 1023) && !s.files.tinted(0x150400 + 1024))
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: [])).text
        #expect(screen.contains("128-2 resident 120 B inside the MFT record"), "\(screen)")
    }

    @Test("the owner line shows only for the byte it is about")
    func ownerLine() {
        var s = Self.state()
        s.moveCursor(to: 0x100200)
        _ = ViewerReducer.reduce(&s, .files(.owner(OwnerLine(offset: 0x100200, text: "p1 ext4 › /docs/ledger.txt (inode 13) +0x200"))))
        #expect(ViewerRenderer.render(s, Fixture.snapshot(s, bytes: [])).text.contains("/docs/ledger.txt (inode 13) +0x200"))
        s.moveCursor(to: 0x100201)
        #expect(!ViewerRenderer.render(s, Fixture.snapshot(s, bytes: [])).text.contains("ledger"))
    }
}

/// What `--stats` reads of the owner maps (key frames drawn while one builds, or once built).
@Suite("Files panel: owner map activity")
struct OwnerMapActivityTests {
    @Test("building while any map builds; ready once one is built and none builds; neither with no map or a failed one")
    func activity() {
        var f = FilesState()
        #expect(!f.mapBuilding && !f.mapsReady)
        f.maps[0x100000] = OwnerMapStatus(label: "p1 ext4", phase: .building(percent: 3))
        #expect(f.mapBuilding && !f.mapsReady)
        f.maps[0x100000] = OwnerMapStatus(label: "p1 ext4", phase: .ready)
        #expect(!f.mapBuilding && f.mapsReady)
        f.maps[0x200000] = OwnerMapStatus(label: "p2 ntfs", phase: .building(percent: 50))
        #expect(f.mapBuilding && !f.mapsReady, "one building is enough")
        f.maps[0x200000] = OwnerMapStatus(label: "p2 ntfs", phase: .cancelled)
        #expect(!f.mapBuilding && f.mapsReady)
        f.maps = [0x200000: OwnerMapStatus(label: "p2 ntfs", phase: .failed("x"))]
        #expect(!f.mapBuilding && !f.mapsReady)
    }
}
