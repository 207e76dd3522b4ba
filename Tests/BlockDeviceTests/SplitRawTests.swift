@testable import BlockDevice
import Foundation
import LinuxAIO
import Testing

/// Split raw sets made by split(1), compared byte for byte with the whole image.
@Suite struct SplitRawTests {
    /// Numeric suffixes from 001 and a segment size that is not sector-aligned,
    /// so that reads straddle segments at odd places.
    @Test func numericSetWithUnalignedSegments() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("whole.img", count: 3_500_000)
        #expect(sh(["split", "-b", "1000000", "--numeric-suffixes=1", "-a", "3", s.file("whole.img"), s.file("disk.")]).status == 0)
        let source = try BlockSources.open(path: s.file("disk.001"))
        #expect(source.kind == .splitRaw(segments: 4))
        #expect(source.files == ["001", "002", "003", "004"].map { s.file("disk.\($0)") })
        #expect(source.geometry.size == Int64(bytes.count))
        #expect(source.engine.kind == .aio)
        #expect(try await readAll(source) == bytes)
        #expect(try await readAll(source, chunk: 1024 * 1024) == bytes)
        let a = source.geometry.alignment.offset
        for offset in [999_424, 999_936, 1_000_000 - 100, 1_999_872, 2_999_999, 3_499_000] {
            #expect(try await readRange(source, at: Int64(offset), length: 3000, align: a)
                    == Array(bytes[offset..<min(offset + 3000, bytes.count)]), "at \(offset)")
        }
        // One read across three segments.
        #expect(try await readRange(source, at: 900_000, length: 1_200_000, align: a) == Array(bytes[900_000..<2_100_000]))
        await source.close()
    }

    @Test func alphabeticSetAndZeroBasedNumericSet() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("whole.img", count: 5 * 1024 * 1024 + 4096)
        #expect(sh(["split", "-b", "1M", s.file("whole.img"), s.file("img.")]).status == 0)
        let alpha = try BlockSources.open(path: s.file("img.aa"))
        #expect(alpha.kind == .splitRaw(segments: 6))
        #expect(alpha.files.last == s.file("img.af"))
        #expect(try await readAll(alpha, chunk: 192 * 1024) == bytes)
        await alpha.close()
        #expect(sh(["split", "-b", "2M", "-d", "-a", "2", s.file("whole.img"), s.file("num.")]).status == 0)
        // Opening .01 when .00 exists starts the set at .00.
        for first in ["num.00", "num.01"] {
            let num = try BlockSources.open(path: s.file(first))
            #expect(num.kind == .splitRaw(segments: 3))
            #expect(try await readAll(num) == bytes)
            await num.close()
        }
    }

    @Test func missingMiddleSegmentIsAnError() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("whole.img", count: 4 * 65536)
        #expect(sh(["split", "-b", "65536", "--numeric-suffixes=1", "-a", "3", s.file("whole.img"), s.file("disk.")]).status == 0)
        try FileManager.default.removeItem(atPath: s.file("disk.003"))
        let e = await openError(s.file("disk.001"))
        #expect(e?.reason == .missingSegment(missing: "disk.003", present: "disk.004"))
        #expect(e?.description == "cannot open \(s.file("disk.001")): split raw segment disk.003 is missing (disk.004 exists) — the set is incomplete; restore the missing segment")
        // Also when only the first is left before the gap.
        try FileManager.default.removeItem(atPath: s.file("disk.002"))
        #expect(await openError(s.file("disk.001"))?.reason == .missingSegment(missing: "disk.002", present: "disk.004"))
    }

    @Test func shortMiddleSegmentIsAnError() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("whole.img", count: 3 * 65536 + 100)
        #expect(sh(["split", "-b", "65536", s.file("whole.img"), s.file("disk.")]).status == 0)
        #expect(truncate(s.file("disk.ab"), 60000) == 0)
        let e = await openError(s.file("disk.aa"))
        #expect(e?.reason == .segmentSizeMismatch(segment: "disk.ab", size: 60000, expected: 65536))
        #expect(e?.description == "cannot open \(s.file("disk.aa")): split raw segment disk.ab is 60000 bytes but the segments before the last are 65536 bytes — the set is truncated or mixed; re-copy it")
        // A last segment longer than the others is wrong too.
        #expect(truncate(s.file("disk.ab"), 65536) == 0)
        #expect(truncate(s.file("disk.ad"), 70000) == 0)
        #expect(await openError(s.file("disk.aa"))?.reason == .segmentSizeMismatch(segment: "disk.ad", size: 70000, expected: 65536))
    }

    @Test func lonelyFirstSegmentIsAPlainImage() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("single.001", count: 8192)
        let source = try BlockSources.open(path: s.file("single.001"))
        #expect(source.kind == .regularFile)
        #expect(try await readAll(source) == bytes)
        await source.close()
    }

    @Test func namingRecognizesFirstSegmentsOnly() {
        #expect(SplitNaming(firstSegment: "/x/disk.001")?.style == .numeric(width: 3))
        #expect(SplitNaming(firstSegment: "/x/disk.aa")?.style == .alphabetic(width: 2))
        #expect(SplitNaming(firstSegment: "/x/disk.002") == nil)
        #expect(SplitNaming(firstSegment: "/x/disk.ab") == nil)
        #expect(SplitNaming(firstSegment: "/x/disk.img") == nil)
        #expect(SplitNaming(firstSegment: "/x.001/disk") == nil)
        let n = SplitNaming(firstSegment: "d.aa")!
        #expect(n.path(27) == "d.bb")
        #expect(n.path(26 * 26) == nil)
        #expect(n.index(ofSuffix: "bb") == 27)
        #expect(SplitNaming(firstSegment: "d.001")!.path(1234) == "d.1234")
    }
}
