@testable import BlockDevice
internal import CLinuxAIO
import Foundation
import LinuxAIO
import Testing
import TestSupport

/// Every bad input gives one line naming the path, the reason and what to do.
@Suite struct BadInputTests {
    @Test func noSuchPath() async throws {
        let e = await openError("/var/tmp/blkview-no-such-file.img")
        #expect(e?.reason == .notFound)
        #expect(e?.description == "cannot open /var/tmp/blkview-no-such-file.img: no such file or device — check the path")
    }

    @Test func directory() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let e = await openError(s.path)
        #expect(e?.reason == .isDirectory)
        #expect(e?.description == "cannot open \(s.path): it is a directory — give an image file or a block device")
    }

    @Test func fifoIsRefusedWithoutBlocking() async throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(mkfifo(s.file("pipe"), 0o600) == 0)
        // Opening a FIFO read-only would block until a writer comes: we must not open it.
        let e = await openError(s.file("pipe"))
        #expect(e?.reason == .fifo)
        #expect(e?.description == "cannot open \(s.file("pipe")): it is a FIFO (named pipe), which cannot be read at random offsets — save the stream to an image file first")
    }

    @Test func socket() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("sock")
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { Glibc.close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            path.utf8CString.withUnsafeBytes { p.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(p.count - 1))) }
        }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        #expect(rc == 0)
        let e = await openError(path)
        #expect(e?.reason == .socket)
        #expect(e?.description.hasPrefix("cannot open \(path): it is a socket") == true)
    }

    @Test func characterDevice() async throws {
        let e = await openError("/dev/null")
        #expect(e?.reason == .characterDevice)
        #expect(e?.description == "cannot open /dev/null: it is a character device, not a block device — give the block device (e.g. /dev/sdb, /dev/nvme0n1)")
    }

    @Test(.enabled(if: Capability.isRoot, "needs root to switch the file-system uid"))
    func permissionDeniedSaysReadAccessIsMissing() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("secret.img", count: 4096)
        chmod(s.file("secret.img"), 0o600)  // root's, unreadable by nobody
        chmod(s.path, 0o755)
        let path = s.file("secret.img")
        let message = asFileSystemUser(65534) { () -> String? in
            do throws(BlockSourceError) {
                _ = try BlockSources.open(path: path)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message == "cannot open \(path): permission denied — read access is missing; run as a user who may read it (for devices, the \"disk\" group) or with sudo")
    }

    @Test(.enabled(if: Capability.isRoot, "needs root to switch the file-system uid"))
    func unsearchableDirectory() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try FileManager.default.createDirectory(atPath: s.file("locked"), withIntermediateDirectories: false)
        try s.writeRandom("locked/disk.img", count: 4096)
        chmod(s.file("locked"), 0o700)
        let path = s.file("locked/disk.img")
        let reason = asFileSystemUser(65534) { () -> BlockSourceError.Reason? in
            do throws(BlockSourceError) {
                _ = try BlockSources.open(path: path)
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(reason == .searchAccessMissing)
    }

    /// O_NOATIME is only for the owner: someone else's 0444 file still opens
    /// (the retry without it), read-only, and reads.
    @Test(.enabled(if: Capability.isRoot, "needs root to switch the file-system uid"))
    func othersReadOnlyFileOpensWithoutNoatime() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("evidence.img", count: 64 * 1024)
        chmod(s.file("evidence.img"), 0o444)
        chmod(s.path, 0o755)
        let path = s.file("evidence.img")
        let opened = asFileSystemUser(65534) { () -> Result<OpenedFile, BlockSourceError> in
            do throws(BlockSourceError) { return .success(try OpenedFile.openReadOnly(path)) } catch { return .failure(error) }
        }
        let file = try opened.get()
        #expect(fcntl(file.fd, F_GETFL) & cla_O_NOATIME == 0)
        #expect(fcntl(file.fd, F_GETFL) & O_ACCMODE == O_RDONLY)
        let source = try FileSource.make(file: file, options: .init())
        #expect(try await readAll(source) == bytes)
        await source.close()
        // As the owner, O_NOATIME sticks.
        let own = try OpenedFile.openReadOnly(path)
        #expect(fcntl(own.fd, F_GETFL) & cla_O_NOATIME != 0)
        close(own.fd)
    }

    /// /proc/cpuinfo reports 0 bytes and reads return text: refused, not an empty image.
    @Test func procfsFileIsRefused() async throws {
        let e = await openError("/proc/cpuinfo")
        #expect(e?.reason == .sizeUnknown(fileSystem: "procfs", reported: 0))
        #expect(e?.description == "cannot open /proc/cpuinfo: it is a procfs file, generated by the kernel: its size (0 bytes) is not its content — copy it to a regular file first (cat it > copy)")
    }

    /// sysfs attributes report 4096 bytes whatever they hold: refused too.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled"), "no THP attribute in sysfs"))
    func sysfsFileIsRefused() async throws {
        let e = await openError("/sys/kernel/mm/transparent_hugepage/enabled")
        #expect(e?.reason == .sizeUnknown(fileSystem: "sysfs", reported: 4096))
    }

    /// A truly empty regular file still opens, with size 0.
    @Test func emptyRegularFileOpensWithSizeZero() async throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(FileManager.default.createFile(atPath: s.file("empty.img"), contents: Data()))
        let source = try BlockSources.open(path: s.file("empty.img"))
        #expect(source.geometry.size == 0)
        await source.close()
    }

    /// "an EWF set", "a split raw set".
    @Test func containerRefusalHasTheRightArticle() {
        #expect(WriteRefusal.container(.ewf(segments: 2)).description == "an EWF (2 segments) set cannot be written — patch a raw copy instead")
        #expect(WriteRefusal.container(.splitRaw(segments: 3)).description == "a split raw (3 segments) set cannot be written — patch a raw copy instead")
    }
}
