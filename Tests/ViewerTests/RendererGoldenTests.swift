import BlockDevice
import DiskFormats
import Inspector
import LinuxAIO
import Testing

@Suite("Renderer: whole screens against golden text")
struct RendererGoldenTests {
    let data = Fixture.bytes(1 << 20)

    @Test("80x24: hexyl classes, sector marker and LBA, status and key bar")
    func basic80x24() throws {
        var s = ViewerState(source: Fixture.summary(), width: 80, height: 24)
        s.moveCursor(to: 0x1f0)
        try expectGolden(ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data)), "basic-80x24")
    }

    @Test("placeholders for pages not loaded, ?? for unreadable ones")
    func placeholdersAndUnreadable() throws {
        var s = ViewerState(source: Fixture.summary(), width: 80, height: 24)
        s.moveCursor(to: 0x80)
        let snap = Fixture.snapshot(s, bytes: data, pendingFrom: 0x100, unreadable: 0x40..<0x60)
        try expectGolden(ViewerRenderer.render(s, snap), "placeholders-80x24")
    }

    @Test("120x40 with all three panels and a prompt")
    func panels120x40() throws {
        var s = ViewerState(source: Fixture.summary(), width: 120, height: 40)
        for k in ["i", "L", "w"] { _ = ViewerReducer.reduce(&s, .key(.char(Character(k)))) }
        _ = ViewerReducer.reduce(&s, .key(.char(":")))
        for c in "s20" { _ = ViewerReducer.reduce(&s, .key(.char(c))) }
        try expectGolden(ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data)), "panels-120x40")
    }

    @Test("32 bytes per row on a wide terminal, offsets wide enough for 16 TiB")
    func wide() throws {
        var s = ViewerState(source: Fixture.summary(size: 16 << 40), width: 160, height: 12)
        s.moveCursor(to: (16 << 40) - 1)
        let snap = Fixture.snapshot(s, bytes: [], pendingFrom: 0)
        let screen = ViewerRenderer.render(s, snap)
        #expect(s.layout.bytesPerRow == 32)
        #expect(s.layout.offsetDigits == 11)
        try expectGolden(screen, "wide-16TiB")
    }

    @Test("an EWF set's case metadata and stored hashes head the structure panel")
    func evidenceInStructurePanel() throws {
        var meta = EvidenceMetadata(format: "EWF", bytesPerSector: 512)
        meta.caseNumber = "2026-17"
        meta.evidenceNumber = "EV-3"
        meta.examinerName = "J. Doe"
        meta.md5 = "0d7cb709c3eda92eb937f784a1554e07"
        var summary = Fixture.summary()
        summary.evidence = meta
        var s = ViewerState(source: summary, width: 120, height: 30)
        s.disk = DiskLayout(size: 1 << 20, sectorSize: 512, scheme: .none)
        _ = ViewerReducer.reduce(&s, .key(.char("s")))
        let text = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data)).text
        #expect(text.contains("EWF · case 2026-17 · evidence EV-3 · examiner J. Doe"), "\(text)")
        #expect(text.contains("stored md5 0d7cb709c3eda92eb937f784a1554e07"), "\(text)")
    }

    @Test("help overlay lists every key")
    func help() throws {
        var s = ViewerState(source: Fixture.summary(), width: 80, height: 24)
        _ = ViewerReducer.reduce(&s, .key(.char("?")))
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data))
        for needle in ["PgDn", "Goto", "Search", "in flight", "latency", "journal", "Quit", "--write"] {
            #expect(screen.text.contains(needle), "help lacks \(needle)")
        }
        try expectGolden(screen, "help-80x24")
    }

    @Test("the hex and ASCII columns show the bytes of each row")
    func bytesMatch() {
        let s = ViewerState(source: Fixture.summary(), width: 80, height: 24)
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data))
        let l = s.layout
        for r in 0..<l.hexRows {
            let line = screen.line(l.hexTop + r)
            let off = r * 16
            let hex = (0..<16).map { i in
                let start = line.index(line.startIndex, offsetBy: l.hexX(i))
                return String(line[start..<line.index(start, offsetBy: 2)])
            }
            #expect(hex == data[off..<(off + 16)].map { String(format2: $0) })
        }
    }
}

extension String {
    init(format2 b: UInt8) {
        let h = String(b, radix: 16)
        self = h.count == 1 ? "0" + h : h
    }
}
