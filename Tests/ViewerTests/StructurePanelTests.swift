import BlockDevice
import DiskFormats
import Inspector
import Testing

/// Hostile partition starts, and what the structure panel lists and in what order.
@Suite("Structure panel: hostile starts, defects, order, size")
struct StructurePanelTests {
    static func state(_ layout: DiskLayout, width: Int = 120, height: Int = 40) -> ViewerState {
        var s = ViewerState(source: Fixture.summary(size: layout.size), width: width, height: height)
        _ = ViewerReducer.reduce(&s, .structureLoaded(layout))
        return s
    }

    static func gpt(firstStart: Int64) -> DiskLayout {
        let p1 = Partition(index: 1, start: firstStart, size: 2048, type: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
                           typeName: "Linux filesystem", kind: .gpt)
        let p2 = Partition(index: 2, start: 4096, size: 1 << 60, type: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
                           typeName: "Linux filesystem", kind: .gpt)
        return DiskLayout(size: 8 << 20, sectorSize: 512, scheme: .gpt, partitions: [p1, p2],
                          defects: ["partition 1 starts past the end of the device"])
    }

    func type(_ s: inout ViewerState, _ keys: [Key]) {
        for k in keys { _ = ViewerReducer.reduce(&s, .key(k)) }
    }

    @Test("StartingLBA 2^55: F7, s and goto p1 say so instead of trapping", arguments: [Int64(1) << 55, Int64.max])
    func startBeyondInt64(start: Int64) {
        var s = Self.state(Self.gpt(firstStart: start))
        type(&s, [.function(7)])
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: [])).text
        #expect(screen.contains("beyond 2^63 bytes"), "\(screen)")
        #expect(screen.contains("p2  Linux filesystem  1152921504606846976 sectors (beyond 2^63 bytes)"), "\(screen)")
        type(&s, [.function(7), .char("s")])
        _ = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: []))
        type(&s, [.char(":"), .char("p"), .char("1"), .enter])
        #expect(s.message?.text == "goto: p1 starts beyond 2^63 bytes: it cannot be reached")
        #expect(s.cursor == 0)
    }

    @Test("a start inside 63 bits but past the media's end: unreachable, named")
    func startPastEnd() {
        var s = Self.state(Self.gpt(firstStart: 1 << 40))
        type(&s, [.char(":"), .char("p"), .char("1"), .char("+"), .char("1"), .enter])
        #expect(s.message?.text == "goto: p1 starts past the end of the media (at 0x2000000000000)")
        let rows = s.structureEntries
        #expect(rows.contains { $0.label.hasPrefix("p1 ") && $0.offset == nil && $0.label.contains("starts past the end of the media") })
        // Enter on it says why instead of jumping.
        type(&s, [.char("s"), .tab])
        let i = rows.firstIndex { $0.label.hasPrefix("p1 ") }!
        for _ in 0..<i { type(&s, [.down]) }
        type(&s, [.enter])
        #expect(s.cursor == 0)
        #expect(s.message?.text.contains("p1 cannot be reached") == true)
    }

    @Test("goto sums that leave 63 bits are refused, not trapped")
    func gotoOverflow() {
        #expect(throws: GotoExpression.Failure.overflow("p1+0x7fffffffffffffff")) {
            try GotoExpression.resolve("p1+0x7fffffffffffffff", cursor: 0, size: 1 << 20, sectorSize: 512,
                                       partitions: [1: .at(512)])
        }
    }

    @Test("defects are listed; EBRs and both GPT arrays are rows; tables sort before their partitions")
    func rowsAndOrder() {
        let p1 = Partition(index: 1, start: 2048, size: 2048, type: "0x05", typeName: "Extended", kind: .extended)
        let p5 = Partition(index: 5, start: 2049, size: 100, type: "0x83", typeName: "Linux", kind: .logical)
        let p6 = Partition(index: 6, start: 4 << 20, size: 100, type: "0x83", typeName: "Linux", kind: .logical)
        let regions = [
            Region(name: "MBR", offset: 0, length: 512),
            Region(name: "MBR partition 1", offset: 446, length: 16),
            Region(name: "EBR 5", offset: 2048 * 512, length: 512),
            Region(name: "EBR 5 logical entry", offset: 2048 * 512 + 446, length: 16),
            Region(name: "EBR 6", offset: (4 << 20) * 512 - 512, length: 512),
            Region(name: "ext4 superblock", offset: 2049 * 512 + 1024, length: 1024),
        ]
        let layout = DiskLayout(size: 4 << 30, sectorSize: 512, scheme: .mbr, partitions: [p1, p5, p6],
                                defects: ["EBR chain loops back to sector 9"], regions: regions)
        let s = Self.state(layout)
        let rows = s.structureEntries
        #expect(rows.map(\.label.first) == ["d", "M", "E", "p", "p", "E", "p"], "\(rows.map(\.label))")
        #expect(rows[0].label == "defect: EBR chain loops back to sector 9" && rows[0].offset == nil)
        #expect(rows[2].label == "EBR 5" && rows[3].label.hasPrefix("p1 "))
        #expect(rows[5].label == "EBR 6" && rows[6].label.hasPrefix("p6 "))
        let gptRegions = [
            Region(name: "GPT header", offset: 512, length: 92),
            Region(name: "GPT partition array", offset: 1024, length: 16384),
            Region(name: "GPT entry 1", offset: 1024, length: 128),
            Region(name: "GPT backup partition array", offset: (8 << 20) - 512 - 16384, length: 16384),
            Region(name: "GPT backup header", offset: (8 << 20) - 512, length: 92),
        ]
        let g = DiskLayout(size: 8 << 20, sectorSize: 512, scheme: .gpt, partitions: [Self.gpt(firstStart: 2048).partitions[0]],
                           defects: ["primary GPT header: bad header CRC", "using the backup GPT header"], regions: gptRegions)
        let gs = Self.state(g)
        #expect(gs.structureEntries.map(\.label).map { String($0.prefix(12)) } == [
            "defect: prim", "defect: usin", "GPT header", "GPT partitio", "p1  Linux fi", "GPT backup p", "GPT backup h",
        ])
        let screen = ViewerRenderer.render({ var t = gs; _ = ViewerReducer.reduce(&t, .key(.char("s"))); return t }(),
                                           Fixture.snapshot(gs, bytes: [])).text
        #expect(screen.contains("GPT · 512-byte sectors · 2 defects"))
        #expect(screen.contains("defect: primary GPT header: bad header CRC"), "\(screen)")
    }

    @Test("at 120x40 the panel opens tall enough for twelve partitions; + and - still choose")
    func panelSize() {
        let parts = (1...12).map { Partition(index: $0, start: Int64($0) * 2048, size: 2048, type: "0x83", typeName: "Linux", kind: .primary) }
        var s = Self.state(DiskLayout(size: 64 << 20, sectorSize: 512, scheme: .mbr, partitions: parts))
        type(&s, [.char("s")])
        let screen = ViewerRenderer.render(s, Fixture.snapshot(s, bytes: [])).text
        for n in 1...12 { #expect(screen.contains("p\(n)  Linux"), "p\(n) off-screen:\n\(screen)") }
        #expect(s.layout.panelRows <= 20)
        let rows = s.layout.panelRows
        type(&s, [.char("-")])
        #expect(s.layout.panelRows == rows - 1)
    }
}
