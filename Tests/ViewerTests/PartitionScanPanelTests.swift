import DiskFormats
import Inspector
import Testing

/// The structure panel's lost-partition scan and the W dialog's checksum
/// line, through the reducer (the tmux tests drive the real thing).
@Suite("Structure panel: partition scan; W dialog: checksums")
struct PartitionScanPanelTests {
    static func state(access: AccessMode = .readOnly) -> ViewerState {
        var s = ViewerState(source: Fixture.summary(size: 64 << 20, access: access), width: 120, height: 40)
        _ = ViewerReducer.reduce(&s, .structureLoaded(DiskLayout(size: 64 << 20, sectorSize: 512, scheme: .none)))
        _ = ViewerReducer.reduce(&s, .key(.char("s")))
        _ = ViewerReducer.reduce(&s, .key(.tab))
        return s
    }

    static let ext4 = ScanCandidate(offset: 1 << 20, size: 40 << 20,
                                    filesystem: FileSystemInfo(type: "ext4", label: "lost", offset: 1 << 20),
                                    confidence: 100, evidence: ["backup superblock of group 1 matches"])

    @Test("S starts a scan, progress shows as a row, Esc cancels; the result lists candidates Enter jumps to")
    func scanFromThePanel() {
        var s = Self.state()
        #expect(s.focus == .structure)
        #expect(ViewerReducer.reduce(&s, .key(.char("S"))) == [.startPartitionScan])
        #expect(ViewerReducer.reduce(&s, .key(.char("S"))) == [], "one scan at a time")
        _ = ViewerReducer.reduce(&s, .partitionScanProgress(PartitionScanProgress(pass: "quick", done: 32 << 20, total: 64 << 20, found: 1)))
        #expect(s.structureEntries.last?.label == "scanning for lost partitions (quick) 50% · 1 file system found · Esc cancels")
        #expect(ViewerReducer.reduce(&s, .key(.escape)) == [.cancelPartitionScan])
        _ = ViewerReducer.reduce(&s, .partitionScanFinished(.cancelled))
        #expect(s.message?.text == "partition scan cancelled")
        #expect(ViewerReducer.reduce(&s, .key(.escape)) == [], "nothing to cancel now")

        _ = ViewerReducer.reduce(&s, .key(.char("S")))
        let inner = ScanCandidate(offset: 9 << 20, size: 1 << 20, filesystem: FileSystemInfo(type: "vfat", offset: 9 << 20),
                                  confidence: 30, inside: 1 << 20)
        _ = ViewerReducer.reduce(&s, .partitionScanFinished(.found([Self.ext4, inner], inTable: [1 << 20], label: "dos")))
        let rows = s.structureEntries.filter { $0.kind == .candidate }
        #expect(rows.map(\.label) == ["scan: ext4 \"lost\"  40 MiB  confidence 100  (would be a partition)",
                                      "scan: vfat  1 MiB  confidence 30  (inside 0x100000)"])
        s.structureSelection = s.structureEntries.firstIndex { $0.kind == .candidate }!
        _ = ViewerReducer.reduce(&s, .key(.enter))
        #expect(s.cursor == 1 << 20)
    }

    @Test("W asks which checksums break; c stages the fix as undoable edits and asks again")
    func checksumDialog() {
        var s = Self.state(access: .writable)
        s.focus = nil
        _ = ViewerReducer.reduce(&s, .key(.char("e")))
        for k in "ab" { _ = ViewerReducer.reduce(&s, .key(.char(k))) }
        _ = ViewerReducer.reduce(&s, .key(.escape))
        let runs = s.edits.runs
        #expect(ViewerReducer.reduce(&s, .key(.char("W"))) == [.assessChecksums(runs)])
        let spec = ChecksumSpec(name: "ext4 superblock at 0x400", kind: .ext4CRC32C,
                                covered: [ByteRange(offset: 0x400, length: 0x3FC)], field: ByteRange(offset: 0x7FC, length: 4))
        let impact = ChecksumImpact(spec: spec, matchedBefore: true, fix: [0x7FC: 1, 0x7FD: 2, 0x7FE: 3, 0x7FF: 4])
        // A report for other bytes (staged before a change) is ignored.
        _ = ViewerReducer.reduce(&s, .checksumsAssessed([], .impacts([impact])))
        #expect(s.commitPrompt?.checksums == nil)
        _ = ViewerReducer.reduce(&s, .checksumsAssessed(runs, .impacts([impact])))
        #expect(s.commitPrompt?.checksums == .impacts([impact]))
        let effects = ViewerReducer.reduce(&s, .key(.char("c")))
        #expect(s.edits.count == 5)
        #expect(effects == [.assessChecksums(s.edits.runs)])
        #expect(s.commitPrompt != nil && s.commitPrompt?.checksums == nil)
        #expect(s.edits.staged(at: 0x7FF)?.value == 4)
        _ = ViewerReducer.reduce(&s, .key(.escape))
        _ = ViewerReducer.reduce(&s, .key(.char("u")))
        #expect(s.edits.count == 4, "the fix bytes undo like typed ones")
    }
}
