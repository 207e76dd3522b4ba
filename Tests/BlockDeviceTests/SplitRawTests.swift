@testable import BlockDevice
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// Split raw sets made by split(1), compared byte for byte with the whole image.
@Suite struct SplitRawTests {
    /// Numeric suffixes from 001 and a segment size that is not sector-aligned,
    /// so that reads straddle segments at odd places.
    @Test func numericSetWithUnalignedSegments() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("whole.img", count: 3_500_000)
        #expect(Subprocess.run(["split", "-b", "1000000", "--numeric-suffixes=1", "-a", "3", s.file("whole.img"), s.file("disk.")]).status == 0)
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
        #expect(Subprocess.run(["split", "-b", "1M", s.file("whole.img"), s.file("img.")]).status == 0)
        let alpha = try BlockSources.open(path: s.file("img.aa"))
        #expect(alpha.kind == .splitRaw(segments: 6))
        #expect(alpha.files.last == s.file("img.af"))
        #expect(try await readAll(alpha, chunk: 192 * 1024) == bytes)
        await alpha.close()
        #expect(Subprocess.run(["split", "-b", "2M", "-d", "-a", "2", s.file("whole.img"), s.file("num.")]).status == 0)
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
        #expect(Subprocess.run(["split", "-b", "65536", "--numeric-suffixes=1", "-a", "3", s.file("whole.img"), s.file("disk.")]).status == 0)
        try FileManager.default.removeItem(atPath: s.file("disk.003"))
        let e = await openError(s.file("disk.001"))
        #expect(e?.reason == .missingSegment(missing: "disk.003", present: "disk.004"))
        #expect(e?.description == "cannot open \(s.file("disk.001")): split raw segment disk.003 is missing (disk.004 exists) — the set is incomplete; restore the missing segment")
        // Also when only the first is left before the gap.
        try FileManager.default.removeItem(atPath: s.file("disk.002"))
        #expect(await openError(s.file("disk.001"))?.reason == .missingSegment(missing: "disk.002", present: "disk.004"))
    }

    /// Parts of 7 MiB + 513 B, 20 MiB − 1 B and the rest (and an empty one):
    /// the stream is their concatenation, checked against `cat parts | sha256sum`
    /// and against `dd` of ranges crossing every (unaligned) boundary.
    @Test func unevenSetIsTheConcatenation() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let sizes = [7 * 1024 * 1024 + 513, 20 * 1024 * 1024 - 1, 0, 3 * 1024 * 1024 + 77]
        for (i, n) in sizes.enumerated() {
            #expect(Subprocess.run(["sh", "-c", "head -c \(n) /dev/urandom > '\(s.file(String(format: "uneven.%03d", i + 1)))'"]).status == 0)
        }
        let parts = (1...sizes.count).map { s.file(String(format: "uneven.%03d", $0)) }
        let source = try BlockSources.open(path: parts[0])
        #expect(source.kind == .splitRaw(segments: 4))
        let total = sizes.reduce(0, +)
        #expect(source.geometry.size == Int64(total))
        var offsets: [Int64] = []
        var at: Int64 = 0
        for n in sizes { offsets.append(at); at += Int64(n) }
        #expect(source.segmentLayout == zip(parts, zip(offsets, sizes)).map { SegmentExtent(path: $0, offset: $1.0, size: Int64($1.1)) })
        // The whole stream against cat | sha256sum.
        let all = try await readAll(source, chunk: 1024 * 1024)
        let want = Subprocess.run(["sh", "-c", "cat " + parts.map { "'\($0)'" }.joined(separator: " ") + " | sha256sum"]).trimmed.prefix(64)
        #expect(FileManager.default.createFile(atPath: s.file("got.bin"), contents: Data(all)))
        #expect(Subprocess.run(["sh", "-c", "sha256sum < '\(s.file("got.bin"))'"]).trimmed.prefix(64) == want)
        // Ranges across every boundary, at aligned and unaligned offsets, against dd of the concatenation.
        #expect(Subprocess.run(["sh", "-c", "cat " + parts.map { "'\($0)'" }.joined(separator: " ") + " > '\(s.file("cat.bin"))'"]).status == 0)
        let a = source.geometry.alignment.offset
        for boundary in offsets.dropFirst() {
            for (back, length) in [(4096, 8192), (1, 2), (513, 1000), (100_000, 300_000)] {
                let start = max(0, boundary - Int64(back))
                let r = Subprocess.run(["sh", "-c", "dd if='\(s.file("cat.bin"))' bs=1M iflag=skip_bytes,count_bytes skip=\(start) count=\(length) status=none | od -An -v -tx1 | tr -d ' \\n'"])
                let bytes = try await readRange(source, at: start, length: min(length, total - Int(start)), align: a)
                #expect(bytes.map { String(format: "%02x", $0) }.joined() == r.trimmed, "at \(start)+\(length)")
            }
        }
        await source.close()
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

    /// disk1.002 alone opens (as a plain image) with a note naming disk1.001; the viewer shows it first.
    @Test func laterSegmentAloneIsNoted() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("whole.img", count: 3 * 65536)
        #expect(Subprocess.run(["split", "-b", "65536", "--numeric-suffixes=1", "-a", "3", s.file("whole.img"), s.file("disk1.")]).status == 0)
        #expect(Subprocess.run(["split", "-b", "65536", s.file("whole.img"), s.file("alpha.")]).status == 0)
        let middle = try BlockSources.open(path: s.file("disk1.002"))
        #expect(middle.kind == .regularFile)
        #expect(middle.openNote == "disk1.002 looks like segment 2 of the split raw set disk1.001 — opened alone; open disk1.001 to read the whole set")
        #expect(middle.engineNote?.hasPrefix("disk1.002 looks like segment 2 of the split raw set disk1.001") == true)
        #expect(try await readAll(middle) == Array(bytes[65536..<131072]))
        await middle.close()
        let ac = try BlockSources.open(path: s.file("alpha.ac"))
        #expect(ac.openNote?.hasPrefix("alpha.ac looks like segment 3 of the split raw set alpha.aa") == true)
        await ac.close()
        // The first segment and a file that only looks numbered get no note.
        let first = try BlockSources.open(path: s.file("disk1.001"))
        #expect(first.openNote == nil)
        await first.close()
        try s.writeRandom("lonely.002", count: 4096)
        let lonely = try BlockSources.open(path: s.file("lonely.002"))
        #expect(lonely.openNote == nil)
        await lonely.close()
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
