@testable import BlockDevice
import Foundation
import LinuxAIO
import Testing
import TestSupport

/// A device that fails mid-session: the read surfaces as an `IOError` naming
/// the device, the offset and the errno; the source stays usable.
@Suite struct VanishingDeviceTests {
    /// An engine that fails the reads it is told to, then behaves: a device
    /// that hiccups (EIO) or is unplugged and replugged (ENODEV).
    final class FlakyEngine: IOEngine {
        let inner = ThreadPoolEngine(slots: 4)
        let failures = Protected<[Errno]>([])
        var kind: EngineKind { inner.kind }
        var slots: Int { inner.slots }
        var description: String { "FlakyEngine(\(inner))" }

        func read(_ fd: Int32, at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
            if let e = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                throw IOError(operation: .read, fd: fd, offset: offset, length: length, errno: e,
                              hint: "the device has gone away")
            }
            return try await inner.read(fd, at: offset, into: buffer, length: length)
        }

        func write(_ fd: Int32, at offset: Int64, from buffer: AlignedBuffer, length: Int, sync: SyncLevel) async throws -> Int {
            try await inner.write(fd, at: offset, from: buffer, length: length, sync: sync)
        }

        func fsync(_ fd: Int32) async throws { try await inner.fsync(fd) }
        func fdatasync(_ fd: Int32) async throws { try await inner.fdatasync(fd) }
        func statistics() -> IOStatistics { inner.statistics() }
        func shutdown() async { await inner.shutdown() }
    }

    @Test func failedReadsSurfaceAndTheSourceKeepsWorking() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("disk.img", count: 256 * 1024)
        let file = try OpenedFile.openReadOnly(s.file("disk.img"))
        let engine = FlakyEngine()
        let source = FileSource(file: file, geometry: .of(file, sectorSize: nil), engine: engine, note: nil)
        engine.failures.withLock { $0 = [.EIO, Errno(ENODEV)] }
        let buf = AlignedBuffer(count: 4096)
        for expected in [Errno.EIO, Errno(ENODEV)] {
            do {
                _ = try await source.read(at: 8192, into: buf, length: 4096)
                Issue.record("no error")
            } catch let e as IOError {
                #expect(e.errno == expected)
                #expect(e.description.hasPrefix("cannot read \(s.file("disk.img")) at 0x2000 (4096 B): "))
            }
        }
        #expect(try await source.read(at: 8192, into: buf, length: 4096) == 4096)
        #expect(buf.copyBytes() == Array(bytes[8192..<12288]))
        await source.close()
    }

    /// The real thing: a loop device whose backing file lives on a FUSE file
    /// system (ewfmount) whose daemon is killed mid-session; the kernel then
    /// fails O_DIRECT reads of the loop device with EIO.
    @Test(.enabled(if: Capability.ewfmount && Capability.losetup, "needs root, losetup, ewfacquire, ewfmount and /dev/fuse"))
    func loopDeviceWhoseBackingStoreDies() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try EWFTests.acquire(s, count: 1024 * 1024)
        let mnt = s.file("mnt")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        let daemon = try Daemon(["ewfmount", "-v", s.file("img.E01"), mnt])
        defer { EWFTests.unmount(mnt, daemon) }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: "\(mnt)/ewf1") { usleep(20_000) }
        let loop = try Loop("\(mnt)/ewf1")
        defer { loop.detach() }
        let source = try BlockSources.open(path: loop.device)
        let buf = AlignedBuffer(count: 4096)
        #expect(try await source.read(at: 0, into: buf, length: 4096) == 4096)
        #expect(buf.copyBytes() == Array(bytes[0..<4096]))
        daemon.kill()
        for offset: Int64 in [512 * 1024, 768 * 1024] {
            do {
                _ = try await source.read(at: offset, into: buf, length: 4096)
                Issue.record("read after the backing store died succeeded")
            } catch let e as IOError {
                #expect([Errno.EIO, Errno(ENODEV), Errno(ENXIO)].contains(e.errno))
                #expect(e.description.hasPrefix("cannot read \(loop.device) at 0x\(String(offset, radix: 16)) (4096 B): "))
            }
        }
        // Nothing is stuck in the engine; the source still answers and closes.
        #expect(source.engine.statistics().inFlight.isEmpty)
        #expect(try await source.read(at: source.geometry.size, into: buf, length: 4096) == 0)
        await source.close()
    }
}

/// A process kept in the foreground (posix_spawn), killed by its pid.
final class Daemon: Sendable {
    let pid: pid_t
    private let reaped = Protected(false)

    init(_ args: [String]) throws {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        guard posix_spawnp(&pid, args[0], &actions, nil, &argv, environ) == 0 else { throw TestFailure("cannot start \(args[0])") }
        self.pid = pid
    }

    func kill() {
        reaped.withLock { done in
            guard !done else { return }
            done = true
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}
