import BlockDevice
import Foundation
@testable import Inspector
import LinuxAIO
import TestSupport
import Testing

/// The overview map's cell plan and classifier, without I/O.
@Suite struct MapPlanTests {
    static let sixteenTiB: Int64 = 16 << 40 - 4096

    /// Every byte in exactly one cell; lengths differ by at most one; `index(of:)` agrees with the bounds.
    func checkPlan(_ p: MapPlan) {
        let n = p.cellCount
        #expect(p.start(0) == p.range.lowerBound)
        #expect(p.start(n) == p.range.upperBound)
        let base = p.length / Int64(n)
        for i in [0, 1, n / 2, n - 2, n - 1] where i >= 0 && i < n {
            let c = p.cell(i)
            #expect(c.count == base || c.count == base + 1, "cell \(i) of \(n): \(c.count) bytes, base \(base)")
            #expect(p.index(of: c.lowerBound) == i)
            #expect(p.index(of: c.upperBound - 1) == i)
            if i > 0 { #expect(p.index(of: c.lowerBound - 1) == i - 1) }
        }
        #expect(p.index(of: p.range.upperBound) == nil)
        #expect(p.index(of: p.range.lowerBound - 1) == nil)
    }

    @Test("16 TiB - 4 KiB splits into any number of cells without overflow; index(of:) inverts start(_:)")
    func sixteenTiBPlans() {
        for n in [1, 3, 7, 64, 1000, 8192, 65536, Int(Int32.max)] {
            checkPlan(MapPlan(range: 0..<Self.sixteenTiB, cells: n))
        }
        // Near Int64.max: a partition table may claim the top of the range.
        checkPlan(MapPlan(range: (Int64.max - Self.sixteenTiB)..<Int64.max, cells: 8191))
        let fine = MapPlan.fine(range: 0..<Self.sixteenTiB)
        #expect(fine.cellCount == 8192)
        checkPlan(fine)
    }

    @Test("odd sizes: 1 byte, 4097 bytes in 3, more cells than bytes (clamped), a range that starts at 1 MiB")
    func oddSizes() {
        let one = MapPlan(range: 0..<1, cells: 64)
        #expect(one.cellCount == 1)
        #expect(one.cell(0) == 0..<1)
        let odd = MapPlan(range: 0..<4097, cells: 3)
        #expect([odd.cell(0).count, odd.cell(1).count, odd.cell(2).count] == [Int](arrayLiteral: 1365, 1366, 1366))
        checkPlan(odd)
        #expect(MapPlan(range: 0..<10, cells: 100).cellCount == 10)
        checkPlan(MapPlan(range: (1 << 20)..<((1 << 20) + 1_000_003), cells: 17))
        #expect(MapPlan.fine(range: 0..<4097).cellCount == 2)
        #expect(MapPlan(range: 0..<5, cells: 0).cellCount == 1)
    }

    @Test("groups cover the plan's cells once each, in order")
    func groups() {
        let p = MapPlan(range: 0..<Self.sixteenTiB, cells: 8192)
        for g in [1, 7, 590, 8192, 9000] {
            var next = 0
            let gg = min(g, 8192)
            for j in 0..<gg {
                let r = p.group(j, of: g)
                #expect(r.lowerBound == next)
                #expect(!r.isEmpty)
                next = r.upperBound
                #expect(ViewerState.displayIndex(r.lowerBound, plan: p, groups: g) == j)
                #expect(ViewerState.displayIndex(r.upperBound - 1, plan: p, groups: g) == j)
            }
            #expect(next == 8192)
        }
    }
}

@Suite struct MapClassifierTests {
    static func tally(_ bytes: [UInt8]) -> ByteTally {
        var t = ByteTally()
        bytes.withUnsafeBytes { MapClassifier.tallyUnit($0.baseAddress!, count: bytes.count, into: &t) }
        return t
    }

    static let text: [UInt8] = {
        let words = "the quick brown fox jumps over a lazy dog while partition tables list sectors, offsets and sizes; ".utf8
        return Array((0..<4096).map { words[words.index(words.startIndex, offsetBy: ($0 * 7 + $0 / 13) % words.count)] })
    }()

    @Test("zeros, text, random and a table: classes and entropy as Python computes it")
    func classesAndEntropy() throws {
        let random = Scratch.random(count: 4096, seed: 42)
        let table = (0..<4096).map { UInt8(truncatingIfNeeded: $0 % 16 == 0 ? $0 / 16 : 0) }
        let samples: [(String, [UInt8], MapClass)] = [
            ("zero", [UInt8](repeating: 0, count: 4096), .zero), ("text", Self.text, .low),
            ("random", random, .high), ("table", table, .low),
        ]
        let dir = try Scratch()
        for (name, bytes, klass) in samples {
            let t = Self.tally(bytes)
            #expect(t.bytes == 4096)
            let unitClass: MapClass = t.zeroUnits > 0 ? .zero : t.highUnits > 0 ? .high : .low
            #expect(unitClass == klass, "\(name)")
            #expect(t.zeroBytes == Int64(bytes.filter { $0 == 0 }.count), "\(name)")
            let path = try dir.write(name, bytes)
            let py = try Subprocess.checked("python3", ["-c", """
                import math, sys, collections
                d = open(sys.argv[1], 'rb').read()
                c = collections.Counter(d)
                print(repr(-sum(v / len(d) * math.log2(v / len(d)) for v in c.values())))
                """, path])
            let expected = try #require(Double(py.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(abs(t.entropyBits / 4096 - expected) < 1e-9, "\(name): \(t.entropyBits / 4096) vs python \(expected)")
        }
        #expect(Self.tally(random).entropyBits / 4096 > 7.9)
    }

    @Test("a read split at 4 KiB blocks and cell edges: every byte tallied once, in the right cell")
    func tallySplits() {
        let plan = MapPlan(range: 1000..<21000, cells: 3)  // cells of 6666/6667 bytes, not block-aligned
        let bytes = [UInt8](repeating: 0x41, count: 30000)
        var seen: [Int: Int64] = [:]
        bytes.withUnsafeBytes { p in
            MapClassifier.tally(p.baseAddress!, at: 0, count: bytes.count, plan: plan) { i, t in seen[i, default: 0] += t.bytes }
        }
        #expect(seen == [0: Int64(plan.cell(0).count), 1: Int64(plan.cell(1).count), 2: Int64(plan.cell(2).count)])
    }

    @Test("class changes: ] to the next run's start, [ to the previous run's start")
    func classChanges() {
        let plan = MapPlan(range: 0..<(8 * 4096), cells: 8)
        var m = OverviewMap(plan: plan)
        let classes: [MapClass] = [.zero, .zero, .low, .low, .high, .high, .high, .zero]
        for (i, k) in classes.enumerated() {
            m.cells[i].knownBytes = 4096
            switch k {
            case .zero: m.cells[i].zeroBytes = 4096
            case .low: m.cells[i].lowBytes = 4096
            default: m.cells[i].highBytes = 4096
            }
        }
        #expect(m.classChange(from: 0, forward: true) == 2)
        #expect(m.classChange(from: 2, forward: true) == 4)
        #expect(m.classChange(from: 5, forward: true) == 7)
        #expect(m.classChange(from: 7, forward: true) == nil)
        #expect(m.classChange(from: 5, forward: false) == 2)
        #expect(m.classChange(from: 3, forward: false) == 0)
        #expect(m.classChange(from: 1, forward: false) == nil)
        #expect(m.grouped(4).map(\.mapClass) == [.zero, .low, .high, .high])
    }
}
