import DiskFormats
import Inspector
import LinuxAIO
import Testing

@Suite("Glyphs, status bar, search wrap, wording")
struct GlyphAndStatusTests {
    let data = Fixture.bytes(1 << 20)

    @Test("space, TAB and _ have three different glyphs in the text column")
    func whitespaceDistinct() {
        var s = ViewerState(source: Fixture.summary(), width: 80, height: 24)
        s.moveCursor(to: 0x100)
        var bytes = [UInt8](repeating: 0x41, count: 1 << 20)
        bytes[0] = 0x20; bytes[1] = 0x09; bytes[2] = 0x5f; bytes[3] = 0x0a
        s.moveCursor(to: 0)
        for g in [GlyphSet.unicode, .ascii] {
            s.glyphs = g
            let line = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: bytes)).line(1)
            let text = Array(line.dropFirst(s.layout.asciiColumn).prefix(4))
            #expect(text[0] == " " && text[2] == "_", "\(g): \(line)")
            #expect(Set(text[0...2]).count == 3, "\(g): \(line)")
        }
    }

    @Test("the ASCII glyph set draws no character above 0x7e, and keeps the byte classes apart")
    func asciiGlyphs() {
        var s = ViewerState(source: Fixture.summary(), width: 120, height: 40)
        s.glyphs = .ascii
        for k in ["i", "L", "w", "?"] { _ = ViewerReducer.reduce(&s, .key(.char(Character(k)))) }
        s.moveCursor(to: 0x100)
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data, pendingFrom: 0x300))
        let text = screen.text
        #expect(text.unicodeScalars.allSatisfy { $0.value < 0x7f }, "\(text)")
        #expect(text.contains("|................"), "NUL row:\n\(text)")
        #expect(text.contains("Bytes: . NUL  ~ TAB CR LF  * other ASCII  # non-ASCII"), "\(text)")
        #expect(text.contains("aio x32"))
        #expect(text.contains("+-"), "borders:\n\(text)")
        _ = ViewerReducer.reduce(&s, .key(.char("?")))
        let plain = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data)).lines()
        let row = plain.first { $0.hasPrefix("000001c0") } ?? plain.joined(separator: "\n")
        #expect(row.contains("| c0 c1") && row.contains("|################"), "\(row)")
        let ws = plain.first { $0.hasPrefix("00000140") } ?? ""
        #expect(ws.contains("|ew: MSWIN4.1 ~~~"), "\(ws)")
    }

    @Test("a narrow status bar drops the cache figure and the engine before the field under the cursor")
    func statusPriorities() throws {
        var s = ViewerState(source: Fixture.summary(), width: 80, height: 24)
        s.moveCursor(to: 0x1be)
        // An MBR with one partition: the field under the cursor is its status byte.
        var disk = [UInt8](repeating: 0, count: 1 << 20)
        disk[0x1be] = 0x80
        disk[0x1c2] = 0x83
        disk[0x1c6] = 0x08  // start LBA 2048
        disk[0x1ca] = 0x00; disk[0x1cb] = 0x08  // 2048 sectors
        disk[510] = 0x55; disk[511] = 0xAA
        _ = ViewerReducer.reduce(&s, .structureLoaded(DiskProbe.probe(PrefetchedBytes(image: disk))))
        let field = try #require(s.fieldUnderCursor?.text)
        var snap = Fixture.snapshot(s, bytes: disk)
        snap.cache = CacheSummary(hitRate: 0.93)
        let status = ViewerRenderer.render(s, snap).line(s.layout.statusRow)
        #expect(field.contains("›"))
        #expect(status.contains(field), "\(status)")
        #expect(status.contains("…/disk.img"), "the path gives up its directories before the decode goes: \(status)")
        #expect(status.contains("0x1be LBA 0"))
        #expect(!status.contains("cache"), "\(status)")
        s.width = 200
        let wide = ViewerRenderer.render(s, snap).line(s.layout.statusRow)
        #expect(wide.contains("cache 93%") && wide.contains("aio ×32"), "\(wide)")
    }

    @Test("n after the last match says so, and n again wraps to the top (N to the bottom)")
    func searchWraps() {
        var s = ViewerState(source: Fixture.summary(), width: 80, height: 24)
        let abc = SearchPattern.parse("\"abc\"")!
        _ = ViewerReducer.reduce(&s, .key(.char("/")))
        for c in "\"abc\"" { _ = ViewerReducer.reduce(&s, .key(.char(c))) }
        #expect(ViewerReducer.reduce(&s, .key(.enter)) == [.startSearch(abc, from: 1, forward: true, id: 1)])
        _ = ViewerReducer.reduce(&s, .searchFinished(.found(0x500), id: 1))
        #expect(s.message?.text == "\"abc\" at 0x500")
        #expect(ViewerReducer.reduce(&s, .key(.char("n"))) == [.startSearch(abc, from: 0x501, forward: true, id: 2)])
        _ = ViewerReducer.reduce(&s, .searchFinished(.notFound, id: 2))
        #expect(s.message?.text == "no more matches below 0x500 — n again wraps to the top")
        #expect(ViewerReducer.reduce(&s, .key(.char("n"))) == [.startSearch(abc, from: 0, forward: true, id: 3)])
        _ = ViewerReducer.reduce(&s, .searchFinished(.found(0x500), id: 3))
        #expect(s.message?.text == "\"abc\" at 0x500 (wrapped to the top)")
        // Backwards from the match: N runs off the start, N again wraps to the bottom.
        _ = ViewerReducer.reduce(&s, .key(.char("N")))
        _ = ViewerReducer.reduce(&s, .searchFinished(.notFound, id: 4))
        #expect(s.message?.text == "no more matches above 0x500 — N again wraps to the bottom")
        #expect(ViewerReducer.reduce(&s, .key(.char("N"))) == [.startSearch(abc, from: (1 << 20) - 1, forward: false, id: 5)])
        _ = ViewerReducer.reduce(&s, .searchFinished(.found(0x500), id: 5))
        #expect(s.message?.text == "\"abc\" at 0x500 (wrapped to the bottom)")
        // A wrapped search that finds nothing covered the whole media.
        _ = ViewerReducer.reduce(&s, .key(.char("n")))
        _ = ViewerReducer.reduce(&s, .searchFinished(.notFound, id: 6))
        _ = ViewerReducer.reduce(&s, .key(.char("n")))
        _ = ViewerReducer.reduce(&s, .searchFinished(.notFound, id: 7))
        #expect(s.message?.text == "not found: \"abc\"")
        // N at offset 0: nothing before it, at once; N again wraps.
        _ = ViewerReducer.reduce(&s, .key(.char("g")))
        #expect(ViewerReducer.reduce(&s, .key(.char("N"))).isEmpty)
        #expect(s.message?.text == "no more matches above 0x0 — N again wraps to the bottom")
        #expect(ViewerReducer.reduce(&s, .key(.char("N"))) == [.startSearch(abc, from: (1 << 20) - 1, forward: false, id: 8)])
    }

    @Test("one staged byte reads 'write 1 byte (1 run)'; journal latencies carry a unit")
    func wording() {
        var s = ViewerState(source: Fixture.summary(access: .writable), width: 120, height: 40)
        for k: Key in [.char("e"), .char("4"), .char("1"), .escape, .char("W"), .enter] { _ = ViewerReducer.reduce(&s, .key(k)) }
        let bottom = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data)).line(s.layout.bottomRow)
        #expect(bottom.hasPrefix("write 1 byte (1 run) to /var/tmp/disk.img"), "\(bottom)")
        var j = ViewerState(source: Fixture.summary(access: .writable), width: 120, height: 40)
        _ = ViewerReducer.reduce(&j, .key(.char("w")))
        var snap = Fixture.snapshot(j, bytes: data)
        snap.journal = [JournalLine(offset: 0x200, length: 512, sync: .data, state: .verified, latencyMicroseconds: 275),
                        JournalLine(offset: 0x400, length: 512, sync: .data, state: .verified, latencyMicroseconds: 1234),
                        JournalLine(offset: 0x600, length: 512, sync: .data, state: .verified, latencyMicroseconds: 2_500_000)]
        let text = ViewerRenderer.render(j, snap).text
        #expect(text.contains("275 µs") && text.contains("1.2 ms") && text.contains("2.5 s"), "\(text)")
    }

    @Test("a forensic session names its log in the status bar and in help")
    func sessionLog() {
        var s = ViewerState(source: Fixture.summary(access: .forensic), width: 160, height: 30)
        s.sessionLogPath = "/var/tmp/blkview-sessions/s1.log"
        let status = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data)).line(s.layout.statusRow)
        #expect(status.contains("log /var/tmp/blkview-sessions/s1.log"), "\(status)")
        _ = ViewerReducer.reduce(&s, .key(.char("?")))
        #expect(ViewerRenderer.render(s, Fixture.snapshot(s, bytes: data)).text.contains("Session log  /var/tmp/blkview-sessions/s1.log"))
    }

    @Test("--width 32 on a 120-column terminal says why it shows 16")
    func widthNote() {
        let s = ViewerState(source: Fixture.summary(), width: 120, height: 40, bytesPerRow: 32)
        #expect(s.layout.bytesPerRow == 16)
        #expect(s.widthNote == "--width 32 needs 143 columns (this terminal has 120); showing 16")
        #expect(ViewerState(source: Fixture.summary(), width: 160, height: 40, bytesPerRow: 32).widthNote == nil)
        var f = ViewerState(source: Fixture.summary(access: .forensic), width: 120, height: 40, bytesPerRow: 32)
        f.sessionLogPath = "/l/s.log"
        f.message = .init(text: "engine note", role: .warning)
        f.announceStart()
        #expect(f.message?.text == "--width 32 needs 143 columns (this terminal has 120); showing 16 · session log: /l/s.log · engine note")
    }
}

extension ScreenBuffer {
    func lines() -> [String] { (0..<height).map(line) }
}
