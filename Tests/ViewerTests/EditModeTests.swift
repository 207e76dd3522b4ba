import Inspector
import LinuxAIO
import Testing

/// Edit mode and the `W` dialog: the reducer stages, undoes and asks; it never writes.
@Suite("Edit mode")
struct EditModeTests {
    func state() -> ViewerState { ViewerState(source: Fixture.summary(access: .writable), width: 80, height: 24) }

    func press(_ s: inout ViewerState, _ keys: Key...) -> [ViewerEffect] {
        keys.flatMap { ViewerReducer.reduce(&s, .key($0)) }
    }

    func type(_ s: inout ViewerState, _ text: String) -> [ViewerEffect] {
        text.flatMap { ViewerReducer.reduce(&s, .key(.char($0))) }
    }

    @Test("hex digits stage nibble by nibble and advance; Tab types text; u undoes the last change")
    func staging() {
        var s = state()
        #expect(press(&s, .char("e")).isEmpty)
        #expect(s.edit == EditMode())
        #expect(type(&s, "d").isEmpty)
        #expect(s.edits.staged(at: 0) == StagedByte(value: 0xd0, mask: 0xF0))
        #expect(s.cursor == 0)
        _ = type(&s, "eAd")
        #expect(s.edits.staged(at: 0) == StagedByte(value: 0xde))
        #expect(s.edits.staged(at: 1) == StagedByte(value: 0xad))
        #expect(s.cursor == 2)
        _ = press(&s, .tab)
        _ = type(&s, "Hi")
        #expect(s.edits.staged(at: 2) == StagedByte(value: 0x48))
        #expect(s.edits.staged(at: 3) == StagedByte(value: 0x69))
        #expect(s.edits.runs == [PatchRun(offset: 0, replacing: [0xde, 0xad, 0x48, 0x69])])
        _ = press(&s, .tab, .char("u"))
        #expect(s.edits.staged(at: 3) == nil)
        #expect(s.cursor == 3)
        _ = press(&s, .escape)
        #expect(s.edit == nil)
        _ = press(&s, .char("u"), .char("u"))
        #expect(s.edits.count == 2)
        #expect(s.edits.staged(at: 0) == StagedByte(value: 0xde))
        #expect(s.edits.staged(at: 1) == StagedByte(value: 0xa0, mask: 0xF0))
    }

    @Test("W picks the sync level (default data), confirms, and asks for the write")
    func commitDialog() {
        var s = state()
        _ = press(&s, .char("e"))
        _ = type(&s, "0102")
        // W also asks which checksums the staged bytes break (PartitionScanPanelTests).
        #expect(press(&s, .char("W")) == [.assessChecksums([PatchRun(offset: 0, replacing: [1, 2])])])
        #expect(s.commitPrompt == CommitPrompt())
        #expect(s.commitPrompt?.sync == .data)
        _ = press(&s, .char("f"), .enter)
        #expect(s.commitPrompt?.confirming == true)
        let effects = press(&s, .char("y"))
        #expect(effects == [.commit([PatchRun(offset: 0, replacing: [1, 2])], sync: .full)])
        #expect(s.committing)
        _ = ViewerReducer.reduce(&s, .commitFinished(CommitOutcome(verified: [0..<512], journal: "/j")))
        #expect(!s.committing)
        #expect(s.edits.isEmpty)
        #expect(s.message?.text == "written and verified · undo: blkview undo /j")
    }

    @Test("any key but y cancels the confirmation; nothing is written")
    func cancel() {
        var s = state()
        _ = press(&s, .char("e"))
        _ = type(&s, "ff")
        _ = press(&s, .escape, .char("W"), .enter)
        #expect(press(&s, .char("n")).isEmpty)
        #expect(s.commitPrompt == nil)
        #expect(s.edits.count == 1)
        #expect(press(&s, .char("W"), .escape) == [.assessChecksums([PatchRun(offset: 0, replacing: [0xff])])])
        #expect(s.message?.text == "write cancelled")
    }

    @Test("W with nothing staged says so")
    func nothingStaged() {
        var s = state()
        #expect(press(&s, .char("W")).isEmpty)
        #expect(s.commitPrompt == nil)
        #expect(s.message?.text.hasPrefix("nothing staged") == true)
    }

    @Test("staged bytes are drawn with the staged role, as they will be written")
    func rendering() {
        var s = state()
        _ = press(&s, .char("e"))
        _ = type(&s, "41")
        _ = type(&s, "7")
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: Fixture.bytes(4096)))
        let l = s.layout
        let row = screen.line(l.hexTop)
        let x0 = row.index(row.startIndex, offsetBy: l.hexX(0))
        #expect(row[x0...].hasPrefix("41"))
        #expect(screen[l.hexX(0), l.hexTop].role == .staged)
        #expect(screen[l.asciiColumn, l.hexTop].char == "A")
        #expect(screen[l.asciiColumn, l.hexTop].role == .staged)
        #expect(screen[l.hexX(1), l.hexTop].role == .cursor)
        #expect(screen.line(l.statusRow).contains("EDIT hex"))
        #expect(screen.line(l.statusRow).contains("2 staged"))
    }
}
