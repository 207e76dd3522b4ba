// Unit tests on hand-made bytes: CRC32, GUIDs, and hostile input.
import Testing
import TestSupport
@testable import DiskFormats

@Suite struct UnitTests {
    @Test func crc32KnownVectors() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func guidIsMixedEndianUpperCase() {
        // The EFI System type GUID as stored on disk.
        let bytes: [UInt8] = [0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
                              0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B]
        #expect(guidString(bytes) == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
        #expect(uuidString(bytes) == "28732ac1-1ff8-d211-ba4b-00a0c93ec93b")
    }

    @Test func emptyAndTinyInputsFindNothing() {
        for n in [0, 1, 511, 512, 4096] {
            let layout = DiskProbe.probe(PrefetchedBytes(image: [UInt8](repeating: 0, count: n)))
            #expect(layout.scheme == .none)
            #expect(layout.partitions.isEmpty)
            #expect(layout.filesystem == nil)
        }
    }

    /// An EBR whose next link points back at itself must end, with a defect.
    @Test func ebrLoopIsReportedNotFollowed() {
        var disk = [UInt8](repeating: 0, count: 64 * 512)
        func entry(_ sector: Int, _ slot: Int, type: UInt8, lba: UInt32, count: UInt32) {
            let o = sector * 512 + 446 + slot * 16
            disk[o + 4] = type
            for i in 0..<4 {
                disk[o + 8 + i] = UInt8(truncatingIfNeeded: lba >> (8 * UInt32(i)))
                disk[o + 12 + i] = UInt8(truncatingIfNeeded: count >> (8 * UInt32(i)))
            }
            disk[sector * 512 + 510] = 0x55
            disk[sector * 512 + 511] = 0xAA
        }
        entry(0, 0, type: 0x05, lba: 8, count: 40)
        entry(8, 0, type: 0x83, lba: 2, count: 4)
        entry(8, 1, type: 0x05, lba: 0, count: 10)  // next EBR = extended start + 0 = itself
        let layout = DiskProbe.probe(PrefetchedBytes(image: disk))
        #expect(layout.scheme == .mbr)
        #expect(layout.partitions.map(\.index) == [1, 5])
        #expect(layout.defects.contains { $0.contains("loops") })
    }

    /// Overlapping primaries and a partition past the end are defects.
    @Test func overlapAndPastEndAreDefects() {
        var disk = [UInt8](repeating: 0, count: 100 * 512)
        func entry(_ slot: Int, lba: UInt32, count: UInt32) {
            let o = 446 + slot * 16
            disk[o + 4] = 0x83
            for i in 0..<4 {
                disk[o + 8 + i] = UInt8(truncatingIfNeeded: lba >> (8 * UInt32(i)))
                disk[o + 12 + i] = UInt8(truncatingIfNeeded: count >> (8 * UInt32(i)))
            }
        }
        disk[510] = 0x55
        disk[511] = 0xAA
        entry(0, lba: 10, count: 20)
        entry(1, lba: 20, count: 20)
        entry(2, lba: 90, count: 50)
        let layout = DiskProbe.probe(PrefetchedBytes(image: disk))
        #expect(layout.defects.contains("partitions 1 and 2 overlap"))
        #expect(layout.defects.contains { $0.hasPrefix("partition 3 ends at sector 140, past the end") })
    }

    /// Random and all-0xFF devices, and absurd declared sizes, never trap.
    /// The failure here is a trap, which ends the process: the seed is printed
    /// before the first probe, so the log of a failed run names it, and
    /// BLKVIEW_TEST_SEED=<seed> repeats the run exactly.
    @Test func hostileBytesDoNotTrap() {
        var rng = SeededRandom.fromEnvironment()
        for _ in 0..<200 {
            let n = Int.random(in: 0..<8192, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if n > 1024 {  // plant magics so that the parsers go deeper
                bytes.replaceSubrange(512..<520, with: Array("EFI PART".utf8))
                bytes[510] = 0x55
                bytes[511] = 0xAA
            }
            _ = DiskProbe.probe(PrefetchedBytes(image: bytes))
            _ = DiskProbe.probe(PrefetchedBytes(image: bytes), logicalSectorSize: 4096)
        }
        _ = DiskProbe.probe(PrefetchedBytes(image: [UInt8](repeating: 0xFF, count: 70_000)))
    }

    /// A two-step caller: what is missing after the first round is asked for.
    @Test func missingRangesDriveASecondRound() {
        var disk = [UInt8](repeating: 0, count: 2048 * 512)
        disk[446 + 4] = 0x83
        disk[446 + 8] = 0x00; disk[446 + 9] = 0x04  // LBA 1024
        disk[446 + 12] = 0x00; disk[446 + 13] = 0x04  // 1024 sectors
        disk[510] = 0x55
        disk[511] = 0xAA
        var source = PrefetchedBytes(size: Int64(disk.count))
        source.add(Array(disk[0..<4096]), at: 0)
        let first = DiskProbe.probe(source)
        #expect(first.partitions.count == 1)
        #expect(first.missingRanges.contains { $0.offset == 1024 * 512 + 1024 })
        for range in first.missingRanges {
            source.add(Array(disk[Int(range.offset)..<Int(range.end)]), at: range.offset)
        }
        #expect(DiskProbe.probe(source).missingRanges.isEmpty)
    }

    /// A GPT declaring 8192 identical overlapping entries: bounded work and a bounded defect list.
    @Test func hugeOverlappingGPTStaysCheap() {
        let entries = 8192, entrySize = 128
        var disk = [UInt8](repeating: 0, count: 1024 + entries * entrySize + 4096)
        func put(_ value: UInt64, at offset: Int, bytes: Int) {
            for i in 0..<bytes { disk[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        disk.replaceSubrange(512..<520, with: Array("EFI PART".utf8))
        put(92, at: 512 + 12, bytes: 4)
        put(1, at: 512 + 24, bytes: 8)
        put(UInt64(disk.count / 512 - 1), at: 512 + 32, bytes: 8)
        put(2, at: 512 + 72, bytes: 8)
        put(UInt64(entries), at: 512 + 80, bytes: 4)
        put(UInt64(entrySize), at: 512 + 84, bytes: 4)
        for e in 0..<entries {
            let o = 1024 + e * entrySize
            disk[o] = 0xAF  // a non-zero type GUID
            put(34, at: o + 32, bytes: 8)
            put(1_000_000, at: o + 40, bytes: 8)
        }
        let clock = ContinuousClock()
        var layout: DiskLayout?
        let elapsed = clock.measure { layout = DiskProbe.probe(PrefetchedBytes(image: disk)) }
        #expect(layout?.partitions.count == entries)
        #expect((layout?.defects.count ?? 0) < 5 * DiskProbe.maxListed)
        #expect(layout?.defects.contains("more overlapping partitions not listed") == true)
        #expect(elapsed < .seconds(20))  // well under 1 s alone; the first, pairwise check took seconds
    }
}
