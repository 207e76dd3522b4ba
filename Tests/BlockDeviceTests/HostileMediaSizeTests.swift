@testable import BlockDevice
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// Sizes a container or the file system claims near or past 2^63: refused at
/// open with one line (no trap, no silent 0 B), accepted up to
/// `Geometry.largestSize` with reads that stay inside Int64.
@Suite struct HostileMediaSizeTests {
    /// An E01 made by ewfacquire whose volume and data sections claim
    /// `sectors` sectors (Adler-32 of each section fixed, so libewf accepts it).
    static func e01(claiming sectors: UInt64, in s: Scratch) throws -> String {
        _ = try EWFTests.acquire(s, count: 256 * 1024)
        var d = try [UInt8](Data(contentsOf: URL(fileURLWithPath: s.file("img.E01"))))
        // Sections: 13-byte file header, then descriptors of 76 bytes (type,
        // next offset, size); "volume" and "data" carry the media counts.
        var at = 13
        var patched = 0
        while at + 76 <= d.count {
            let type = String(decoding: d[at..<at + 16].prefix { $0 != 0 }, as: UTF8.self)
            let next = d[at + 16..<at + 24].reversed().reduce(0) { $0 << 8 | Int($1) }
            if type == "volume" || type == "data" {
                let body = at + 76
                for i in 0..<8 { d[body + 16 + i] = UInt8(truncatingIfNeeded: sectors >> (8 * UInt64(i))) }
                let sum = Self.adler32(d[body..<body + 1048])
                for i in 0..<4 { d[body + 1048 + i] = UInt8(truncatingIfNeeded: sum >> (8 * UInt32(i))) }
                patched += 1
            }
            if type == "done" || next <= at { break }
            at = next
        }
        guard patched == 2 else { throw TestFailure("found \(patched) volume/data sections, not 2") }
        let out = s.file("hostile.E01")
        try Data(d).write(to: URL(fileURLWithPath: out))
        return out
    }

    static func adler32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in bytes {
            a = (a + UInt32(x)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    @Test(.enabled(if: Capability.ewfacquire, "ewfacquire not installed (Debian ewf-tools)"),
          arguments: [(UInt64(1) << 54, "= 9223372036854775808 B"), (UInt64(1) << 55, "(more than 2^64 B)")])
    func ewfClaimingTooManySectorsIsRefused(sectors: UInt64, said: String) throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = try Self.e01(claiming: sectors, in: s)
        // libewf alone: 2^55 sectors × 512 B wraps to a media size of 0 B.
        do {
            let source = try BlockSources.open(path: path)
            Issue.record("opened with size \(source.geometry.size)")
        } catch {
            guard case .mediaTooLarge = error.reason else { Issue.record("reason \(error.reason)"); return }
            #expect(error.description.contains("\(sectors) sectors of 512 B \(said)"), "\(error)")
            #expect(error.description.contains("past the largest media blkview can address"), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    /// 4 EiB claimed over 256 KiB of chunks: it opens (the size is
    /// addressable), the real bytes read, and a read past the chunks is a
    /// typed error for that range.
    @Test(.enabled(if: Capability.ewfacquire, "ewfacquire not installed (Debian ewf-tools)"))
    func ewfClaimingFourExbibytesOpensAndFailsPastItsChunks() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = try Self.e01(claiming: UInt64(1) << 53, in: s)
        let source = try BlockSources.open(path: path)
        #expect(source.geometry.size == Int64(1) << 62)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: s.file("src.raw"))))
        #expect(try await readRange(source, at: 0, length: 4096, align: 1) == Array(bytes[0..<4096]))
        await #expect(throws: IOError.self) {
            _ = try await readRange(source, at: (Int64(1) << 62) - 4096, length: 4096, align: 1)
        }
        await source.close()
    }

    /// tmpfs allows a sparse file of 2^63 − 1 B: refused; one of exactly
    /// `Geometry.largestSize` opens and its last bytes read.
    @Test func sparseFileAtTheLimits() async throws {
        let dir = "/dev/shm"
        guard FileManager.default.isWritableFile(atPath: dir) else { throw TestFailure("\(dir) is not writable") }
        let over = "\(dir)/blkview-hostile-size-\(getpid()).img"
        defer { unlink(over) }
        #expect(FileManager.default.createFile(atPath: over, contents: nil))
        #expect(truncate(over, Int(Int64.max)) == 0, "truncate: \(Errno(errno))")
        do {
            let source = try BlockSources.open(path: over)
            Issue.record("opened with size \(source.geometry.size)")
        } catch {
            guard case .mediaTooLarge("\(Int64.max) B") = error.reason else { Issue.record("reason \(error.reason)"); return }
        }
        #expect(truncate(over, Int(Geometry.largestSize)) == 0)
        let source = try BlockSources.open(path: over)
        #expect(source.geometry.size == Geometry.largestSize)
        let tail = try await readRange(source, at: Geometry.largestSize - 4095, length: 4095, align: 1)
        #expect(tail == [UInt8](repeating: 0, count: 4095))
        await source.close()
    }
}
