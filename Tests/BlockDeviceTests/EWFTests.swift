@testable import BlockDevice
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// EWF sets made by ewfacquire, compared byte for byte with the source image.
@Suite(.enabled(if: Capability.ewfacquire, "ewfacquire not installed (Debian ewf-tools)"))
struct EWFTests {
    /// Makes `img.E01…` from `count` random bytes with case metadata; returns the bytes.
    static func acquire(_ s: Scratch, count: Int, segment: String = "1MiB", compression: String = "none") throws -> [UInt8] {
        let bytes = try s.writeRandom("src.raw", count: count)
        let r = Subprocess.run(["ewfacquire", "-u", "-q", "-t", s.file("img"), "-c", compression, "-S", segment,
                    "-C", "CASE-42", "-E", "EV-7", "-e", "Jane Examiner", "-D", "suspect laptop disk",
                    "-N", "seized 2026", "-d", "sha1", s.file("src.raw")])
        guard r.status == 0 else { throw TestFailure("ewfacquire failed: \(r.trimmed) \(r.stderr)") }
        return bytes
    }

    @Test func multiSegmentSetReadsTheMedia() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try Self.acquire(s, count: 3 * 1024 * 1024 + 512 * 5)
        let source = try BlockSources.open(path: s.file("img.E01"))
        guard case let .ewf(segments) = source.kind else { Issue.record("kind \(source.kind)"); return }
        #expect(segments >= 3)
        #expect(source.files.count == segments)
        #expect(source.files.first == s.file("img.E01"))
        #expect(source.geometry.size == Int64(bytes.count))
        #expect(source.geometry.logicalSectorSize == 512)
        #expect(source.engine.kind == .threads)
        #expect(source.engineNote?.contains("EWF") == true)
        #expect(try await readAll(source) == bytes)
        #expect(try await readAll(source, chunk: 1024 * 1024) == bytes)
        // Unaligned reads are fine: libewf has no alignment rule.
        #expect(try await readRange(source, at: 1_048_500, length: 1000, align: 1) == Array(bytes[1_048_500..<1_049_500]))
        await source.close()
    }

    /// E02 removed: the set still opens with E01's media, the gap is a container
    /// defect, and a read past E01 names the missing segment (not a checksum mismatch).
    @Test func missingMiddleSegmentIsNamed() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try Self.acquire(s, count: 4 * 1024 * 1024)
        try FileManager.default.removeItem(atPath: s.file("img.E02"))
        let source = try BlockSources.open(path: s.file("img.E01"))
        #expect(source.containerDefects == ["EWF segment img.E02 is missing (img.E03 exists): the media it holds cannot be read; restore the segment"])
        #expect(try await readRange(source, at: 0, length: 65536, align: 1) == Array(bytes[0..<65536]))
        do {
            _ = try await readRange(source, at: Int64(bytes.count - 65536), length: 65536, align: 1)
            Issue.record("a read in the missing segment's range succeeded")
        } catch let e as IOError {
            #expect("\(e)".contains("EWF segment img.E02 is missing (img.E03 exists)"), "\(e)")
            #expect(!"\(e)".contains("checksum"), "\(e)")
        }
        await source.close()
        // A complete set has no container defect.
        let other = try Scratch()
        defer { other.remove() }
        _ = try Self.acquire(other, count: 4 * 1024 * 1024)
        let complete = try BlockSources.open(path: other.file("img.E01"))
        #expect(complete.containerDefects.isEmpty)
        await complete.close()
    }

    @Test func storedHashesAndCaseMetadata() async throws {
        let s = try Scratch()
        defer { s.remove() }
        _ = try Self.acquire(s, count: 1024 * 1024, compression: "fast")
        let source = try BlockSources.open(path: s.file("img.E01"))
        let meta = try #require(source.evidence)
        #expect(meta.format == "EWF")
        #expect(meta.md5 == Subprocess.run(["md5sum", s.file("src.raw")]).trimmed.split(separator: " ").first.map(String.init))
        #expect(meta.sha1 == Subprocess.run(["sha1sum", s.file("src.raw")]).trimmed.split(separator: " ").first.map(String.init))
        #expect(meta.storedHashes.keys.sorted() == ["md5", "sha1"])
        #expect(meta.caseNumber == "CASE-42")
        #expect(meta.evidenceNumber == "EV-7")
        #expect(meta.examinerName == "Jane Examiner")
        #expect(meta.caseDescription == "suspect laptop disk")
        #expect(meta.notes == "seized 2026")
        #expect(meta.acquiryDate?.isEmpty == false)
        #expect(meta.bytesPerSector == 512)
        // Compressed chunks decompress to the same bytes.
        #expect(try await readAll(source) == Array(try Data(contentsOf: URL(fileURLWithPath: s.file("src.raw")))))
        await source.close()
    }

    @Test func sectorSizeOverride() async throws {
        let s = try Scratch()
        defer { s.remove() }
        _ = try Self.acquire(s, count: 256 * 1024)
        let source = try BlockSources.open(path: s.file("img.E01"), options: .init(sectorSize: 4096))
        #expect(source.geometry.logicalSectorSize == 4096)
        #expect(source.evidence?.bytesPerSector == 512)
        await source.close()
    }

    @Test func notAnEWFFileIsAClearError() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("junk.E01", count: 4096)
        let e = await openError(s.file("junk.E01"))
        guard case let .ewf(message)? = e?.reason else { Issue.record("\(String(describing: e))"); return }
        #expect(!message.isEmpty)
        #expect(e?.description.hasPrefix("cannot open \(s.file("junk.E01")): not a readable EWF set: ") == true)
        #expect(e?.description.hasSuffix("— check that all segments (.E01, .E02, …) are present and intact") == true)
        #expect(await openError(s.file("absent.E01"))?.reason == .notFound)
    }

    @Test func ewfSignatureIsRecognizedWithoutTheExtension() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try Self.acquire(s, count: 512 * 1024, segment: "1GiB")
        #expect(rename(s.file("img.E01"), s.file("evidence.bin")) == 0)
        let source = try BlockSources.open(path: s.file("evidence.bin"))
        #expect(source.kind == .ewf(segments: 1))
        #expect(try await readAll(source) == bytes)
        await source.close()
    }

    /// A FUSE file (ewfmount's view of the set): O_DIRECT is not trusted there,
    /// the threaded engine reads it through a buffered fd.
    @Test(.enabled(if: Capability.ewfmount, "ewfmount or /dev/fuse missing, or not root"))
    func fuseFileUsesTheThreadedEngine() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try Self.acquire(s, count: 1024 * 1024)
        try FileManager.default.createDirectory(atPath: s.file("mnt"), withIntermediateDirectories: false)
        let daemon = try Daemon(["ewfmount", "-v", s.file("img.E01"), s.file("mnt")])
        defer { Self.unmount(s.file("mnt"), daemon) }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: s.file("mnt/ewf1")) { usleep(20_000) }
        let source = try BlockSources.open(path: s.file("mnt/ewf1"))
        #expect(source.kind == .regularFile)
        #expect(source.engine.kind == .threads)
        #expect(source.engineNote?.contains("FUSE") == true)
        #expect(try await readAll(source) == bytes)
        await source.close()
    }
}

extension EWFTests {
    /// Unmounts a FUSE mount whose daemon we started (lazily if still busy), then
    /// ends the daemon.
    static func unmount(_ mountPoint: String, _ daemon: Daemon) {
        if Subprocess.run(["fusermount", "-u", mountPoint]).status != 0 { Subprocess.run(["fusermount", "-u", "-z", mountPoint]) }
        daemon.kill()
    }

    /// libewf hands out a corrupt chunk and only records the checksum error:
    /// the source refuses reads that overlap it (also when the chunk is cached)
    /// and reads the rest.
    @Test func corruptChunkIsAReadErrorNotSilentData() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try Self.acquire(s, count: 1024 * 1024, segment: "1GiB")
        let fh = try FileHandle(forUpdating: URL(fileURLWithPath: s.file("img.E01")))
        try fh.seek(toOffset: 400_000)
        fh.write(Data(repeating: 0, count: 64))
        try fh.close()
        let source = try BlockSources.open(path: s.file("img.E01"))
        let buf = AlignedBuffer(count: 32 * 1024)
        var failed: [Int64] = []
        var offset: Int64 = 0
        while offset < source.geometry.size {
            do {
                let n = try await source.read(at: offset, into: buf, length: buf.count)
                #expect(buf.copyBytes(count: n) == Array(bytes[Int(offset)..<(Int(offset) + n)]), "at \(offset)")
            } catch let e as IOError {
                #expect(e.errno == .EIO)
                #expect(e.description.contains("chunk checksum mismatch in sectors"))
                failed.append(offset)
            }
            offset += Int64(buf.count)
        }
        #expect(failed.count == 1)
        // Again, now that libewf has the chunk cached.
        if let bad = failed.first {
            await #expect(throws: IOError.self) { try await source.read(at: bad, into: buf, length: buf.count) }
        }
        await source.close()
    }
}

extension EWFTests {
    /// ewfacquire 20140813 drops a partial last sector from the media (libewf's
    /// media size is whole sectors) while its stored MD5 covers every source
    /// byte — its own ewfverify then fails. The source shows libewf's media.
    @Test func partialLastSectorIsDroppedByEwfacquire() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try Self.acquire(s, count: 1_000_000, segment: "1GiB")
        let source = try BlockSources.open(path: s.file("img.E01"))
        #expect(source.geometry.size == 1_000_000 / 512 * 512)
        #expect(try await readAll(source) == Array(bytes.prefix(1_000_000 / 512 * 512)))
        #expect(source.evidence?.md5 == Subprocess.run(["md5sum", s.file("src.raw")]).trimmed.split(separator: " ").first.map(String.init))
        await source.close()
    }
}
