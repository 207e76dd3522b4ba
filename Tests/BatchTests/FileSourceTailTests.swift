import BlockDevice
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// A read that crosses the end of a file at the file system's maximum size.
@Suite("FileSource at the maximum file size")
struct FileSourceTailTests {
    /// ext4's maximum file size with 4 KiB blocks.
    static let maxExt4 = Int64(16) << 40 - 4096
    static let varTmpIsExt4: Bool = {
        (try? Subprocess.run("stat", ["-f", "-c", "%T", "/var/tmp"]).stdout) == "ext2/ext3\n"
    }()

    @Test("the last sector of a 16 TiB - 4 KiB sparse file reads through a page-sized request",
          .enabled(if: varTmpIsExt4, "needs /var/tmp on ext4 (its maximum file size is the case)"))
    func lastSector() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.file("max.img")
        let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        try #require(ftruncate(fd, off_t(Self.maxExt4)) == 0)
        let tail = Array("TAIL-OF-16TiB".utf8)
        #expect(pwrite(fd, tail, tail.count, off_t(Self.maxExt4 - Int64(tail.count))) == tail.count)
        close(fd)
        for engine in [EngineChoice.aio, .threads] {
            var options = BlockSourceOptions()
            options.engine = engine
            let source = try BlockSources.open(path: path, options: options)
            let buffer = AlignedBuffer(count: 64 << 10)
            // The viewer's last page: 64 KiB from the page boundary, past the end.
            let at = Self.maxExt4 - 4096
            let n = try await source.read(at: at, into: buffer, length: 64 << 10)
            #expect(n == 4096, "\(engine)")
            #expect(buffer.copyBytes(offset: 4096 - tail.count, count: tail.count) == tail, "\(engine)")
            await source.close()
        }
    }
}
