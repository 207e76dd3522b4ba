import BlockDevice
import Foundation
@testable import Inspector
import LinuxAIO
import TestSupport
import Testing

/// The overview map's fill over real files: the hole map, samples, full
/// reads, unreadable ranges from a failing source.
@Suite struct MapScannerTests {
    static let mib = 1 << 20

    /// 8 MiB: a hole, text, random, written zeros, random, a hole, text, random (1 MiB each).
    static func regions(_ dir: Scratch) throws -> (String, [MapClass]) {
        let path = try dir.sparse("regions.img", bytes: Int64(8 * mib))
        let layout: [MapClass] = [.zero, .low, .high, .zero, .high, .zero, .low, .high]
        let fd = open(path, O_WRONLY)
        defer { close(fd) }
        for (i, k) in layout.enumerated() {
            let bytes: [UInt8]
            switch k {
            case .low: bytes = Array(String(repeating: "Partition tables and superblocks, in plain words. ", count: mib / 50 + 1).utf8.prefix(mib))
            case .high: bytes = Scratch.random(count: mib, seed: UInt64(i + 1))
            default:
                if i == 3 { bytes = [UInt8](repeating: 0, count: mib) } else { continue }  // 0 and 5 stay holes
            }
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, mib, off_t(i * mib)) }
            guard n == mib else { throw TestFailure("pwrite") }
        }
        return (path, layout)
    }

    static func reader(_ path: String) throws -> MediaReader {
        MediaReader(try BlockSources.open(path: path, options: BlockSourceOptions(slots: 8)))
    }

    @Test("sampling: every 1 MiB region is classed right; holes are never read")
    func sampledRegions() async throws {
        let dir = try Scratch()
        let (path, layout) = try Self.regions(dir)
        let reader = try Self.reader(path)
        let m = await MapScanner(reader: reader, plan: MapPlan(range: 0..<Int64(8 * Self.mib), cells: 8)).run()
        await reader.close()
        #expect(m.phase == .complete)
        #expect(m.holeMapped)
        #expect(m.cells.map(\.mapClass) == layout)
        #expect(m.cells[0].holeBytes == Int64(Self.mib) && m.cells[0].readBytes == 0)
        #expect(m.cells[3].holeBytes == 0 && m.cells[3].readBytes > 0)  // written zeros are read
        #expect((m.cells[2].entropy ?? 0) > 7.9)
        #expect((m.cells[1].entropy ?? 9) < 5)
        #expect(m.cells[0].zeroFraction == 1 && m.cells[3].zeroFraction == 1)
        #expect(m.bytesRead < 8 * 9 * 4096 + 1)  // a coarse sample and 8 more per data cell at most
    }

    @Test("--full: every data byte is read once; classes and exact figures; cells not aligned to blocks")
    func fullPass() async throws {
        let dir = try Scratch()
        let (path, layout) = try Self.regions(dir)
        let reader = try Self.reader(path)
        let m = await MapScanner(reader: reader, plan: MapPlan(range: 0..<Int64(8 * Self.mib), cells: 8),
                                 options: .init(full: true)).run()
        #expect(m.cells.map(\.mapClass) == layout)
        #expect(m.cells.allSatisfy { $0.exact })
        #expect(m.bytesRead == Int64(6 * Self.mib))  // two holes never read
        // 7 cells over 8 MiB: edges fall inside 4 KiB blocks; bytes still add up.
        let odd = await MapScanner(reader: reader, plan: MapPlan(range: 0..<Int64(8 * Self.mib), cells: 7),
                                   options: .init(full: true)).run()
        await reader.close()
        #expect(odd.cells.reduce(Int64(0)) { $0 + $1.readBytes + $1.holeBytes } == Int64(8 * Self.mib))
        #expect(odd.cells[0].mapClass == .low)  // 1 MiB of hole and 0.14 MiB of text: the text shows
    }

    @Test("a failing source: the cells of the failed range are unreadable, the others keep their class")
    func unreadable() async throws {
        let dir = try Scratch()
        let (path, layout) = try Self.regions(dir)
        let faulty = FaultySource(try BlockSources.open(path: path, options: BlockSourceOptions(slots: 8)))
        faulty.fail(Int64(2 * Self.mib)..<Int64(3 * Self.mib))
        let reader = MediaReader(faulty)
        let plan = MapPlan(range: 0..<Int64(8 * Self.mib), cells: 8)
        let sampled = await MapScanner(reader: reader, plan: plan).run()
        var expected = layout
        expected[2] = .unreadable
        #expect(sampled.cells.map(\.mapClass) == expected)
        let full = await MapScanner(reader: reader, plan: plan, options: .init(full: true)).run()
        await reader.close()
        #expect(full.cells.map(\.mapClass) == expected)
        #expect(full.cells[2].unreadableBytes == Int64(Self.mib))
        #expect(full.cells[1].unreadableBytes == 0 && full.cells[3].unreadableBytes == 0)
    }

    @Test("16 TiB - 4 KiB sparse with 3 MiB of data: mapped completely, reading only the data")
    func sixteenTiB() async throws {
        let dir = try Scratch()
        let size = MapPlanTests.sixteenTiB
        let path = try dir.sparse("big.img", bytes: size)
        let fd = open(path, O_WRONLY)
        let random = Scratch.random(count: 2 * Self.mib, seed: 9)
        let text = Array(String(repeating: "lorem ipsum dolor sit amet ", count: 40_000).utf8.prefix(Self.mib))
        _ = random.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(5 << 40)) }
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(size - Int64(Self.mib))) }
        close(fd)
        let reader = try Self.reader(path)
        let plan = MapPlan.fine(range: 0..<size)
        let m = await MapScanner(reader: reader, plan: plan).run()
        await reader.close()
        #expect(m.phase == .complete && m.cellsKnown == plan.cellCount)
        let nonZero = m.cells.indices.filter { m.cells[$0].mapClass != .zero }
        #expect(nonZero == [plan.index(of: 5 << 40)!, plan.cellCount - 1])
        #expect(m.cells[nonZero[0]].mapClass == .high)
        #expect(m.cells[nonZero[1]].mapClass == .low)  // 1 MiB of text in a 2 GiB cell of holes: the text shows
        #expect(m.bytesRead <= 2 * 9 * 4096)
    }

    @Test("publishInterval: no snapshot between chunks while it has not passed; with none, one after every chunk")
    func publishInterval() async throws {
        let dir = try Scratch()
        let (path, _) = try Self.regions(dir)
        let reader = try Self.reader(path)
        var counts: [Int] = []
        for interval: UInt64 in [3_600_000_000_000, 0] {
            var options = MapScanner.Options(full: true)
            options.publishInterval = interval
            let n = Protected(0)
            let m = await MapScanner(reader: reader, plan: MapPlan(range: 0..<Int64(8 * Self.mib), cells: 8),
                                     options: options).run { _ in n.withLock { $0 += 1 } }
            #expect(m.phase == .complete)
            counts.append(n.withLock { $0 })
        }
        await reader.close()
        // The phase's snapshot and the last one only; then one more per 1 MiB chunk of the 6 MiB of data.
        #expect(counts[0] == 2)
        #expect(counts[1] >= 2 + 6)
    }
}
