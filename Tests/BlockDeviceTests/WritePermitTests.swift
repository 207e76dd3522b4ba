@testable import BlockDevice
internal import CLinuxAIO
import Foundation
import LinuxAIO
import TestSupport
import Testing

/// Writing needs a permit; the permit is refused in forensic mode, for
/// evidence containers, and for mounted devices unless forced.
@Suite(.serialized) struct WritePermitTests {
    @Test func forensicModeRefusesEveryWrite() throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("disk.img", count: 4096)
        do {
            _ = try WritePermit.request(path: s.file("disk.img"), force: true, forensic: true)
            Issue.record("permit granted in forensic mode")
        } catch {
            #expect(error.reason == .writeRefused(.forensic))
            #expect(error.description == "cannot open \(s.file("disk.img")) for writing: forensic mode is read-only — writes are refused; run without --forensic to patch")
        }
    }

    @Test func containersAreNeverWritable() throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("whole.img", count: 3 * 4096)
        #expect(Subprocess.run(["split", "-b", "4096", "--numeric-suffixes=1", "-a", "3", s.file("whole.img"), s.file("set.")]).status == 0)
        #expect(throws: BlockSourceError(path: s.file("set.001"), reason: .writeRefused(.container(.splitRaw(segments: 3))))) {
            try WritePermit.request(path: s.file("set.001"), forensic: false)
        }
        try s.writeRandom("x.E01", count: 4096)
        #expect(throws: BlockSourceError(path: s.file("x.E01"), reason: .writeRefused(.container(.ewf(segments: 1))))) {
            try WritePermit.request(path: s.file("x.E01"), forensic: false)
        }
        #expect(throws: BlockSourceError(path: s.file("none.img"), reason: .notFound)) {
            try WritePermit.request(path: s.file("none.img"), forensic: false)
        }
        #expect(throws: BlockSourceError(path: "/dev/null", reason: .characterDevice)) {
            try WritePermit.request(path: "/dev/null", forensic: false)
        }
    }

    @Test func imageFileWithPermitIsWrittenODirect() async throws {
        let s = try Scratch()
        defer { s.remove() }
        var bytes = try s.writeRandom("disk.img", count: 64 * 1024)
        let permit = try WritePermit.request(path: s.file("disk.img"), forensic: false)
        let source = try BlockSources.open(path: s.file("disk.img"))
        #expect(!(source is WritableFileSource))  // read-only code gets a read-only source
        await source.close()
        let w = try #require(try BlockSources.openWritable(permit: permit) as? WritableFileSource)
        let flags = fcntl(w.source.file.fd, F_GETFL)
        #expect(flags & O_ACCMODE == O_RDWR)
        #expect(flags & cla_O_DIRECT != 0)
        let patch = AlignedBuffer(count: 4096)
        patch.fill(0xAB)
        #expect(try await w.write(at: 8192, from: patch, length: 4096, sync: .data) == 4096)
        try await w.flush(.full)
        bytes.replaceSubrange(8192..<12288, with: repeatElement(0xAB, count: 4096))
        #expect(try await readAll(w) == bytes)
        // Past the end: refused before it reaches the kernel.
        await #expect(throws: IOError.self) { try await w.write(at: 64 * 1024, from: patch, length: 4096, sync: .none) }
        await w.close()
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: s.file("disk.img")))) == bytes)
        // The file size did not change (no O_TRUNC, no extension).
        #expect((try FileManager.default.attributesOfItem(atPath: s.file("disk.img"))[.size] as? Int) == 64 * 1024)
    }

    @Test func permitIsForTheFileItWasGrantedFor() throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("disk.img", count: 4096)
        try s.writeRandom("other.img", count: 4096, seed: 2)
        let permit = try WritePermit.request(path: s.file("disk.img"), forensic: false)
        #expect(rename(s.file("other.img"), s.file("disk.img")) == 0)
        #expect(throws: BlockSourceError(path: s.file("disk.img"), reason: .writeRefused(.changed))) {
            try BlockSources.openWritable(permit: permit)
        }
    }

    @Test(.enabled(if: Capability.mountExt4, "needs root, losetup, mkfs.ext4 and mount"))
    func mountedDeviceIsRefusedUnlessForced() async throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(Subprocess.run(["truncate", "-s", "8M", s.file("fs.img")]).status == 0)
        #expect(Subprocess.run(["mkfs.ext4", "-q", s.file("fs.img")]).status == 0)
        let loop = try Loop(s.file("fs.img"), readOnly: false)
        defer { loop.detach() }
        let mnt = s.file("mnt point")  // a space: mountinfo escapes it as \040
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        guard Subprocess.run(["mount", loop.device, mnt]).status == 0 else { throw TestFailure("mount failed") }
        var mounted = true
        defer { if mounted { Subprocess.run(["umount", mnt]) } }
        do {
            _ = try WritePermit.request(path: loop.device, forensic: false)
            Issue.record("permit granted for a mounted device")
        } catch {
            #expect(error.reason == .writeRefused(.mounted(users: ["\(loop.device) mounted on \(mnt)"])))
            #expect(error.description == "cannot open \(loop.device) for writing: the device is in use (\(loop.device) mounted on \(mnt)) — unmount it first, or pass --force if you know what you are doing")
        }
        let forced = try WritePermit.request(path: loop.device, force: true, forensic: false)
        #expect(forced.forced)
        #expect(forced.overriddenUsers == ["\(loop.device) mounted on \(mnt)"])
        // Forensic wins over force.
        #expect(throws: BlockSourceError(path: loop.device, reason: .writeRefused(.forensic))) {
            try WritePermit.request(path: loop.device, force: true, forensic: true)
        }
        // The image file under the mounted loop device is refused too.
        let imageUsers = ["\(loop.device) mounted on \(mnt) (through \(loop.device), attached to this image)"]
        #expect(throws: BlockSourceError(path: s.file("fs.img"), reason: .writeRefused(.mounted(users: imageUsers)))) {
            try WritePermit.request(path: s.file("fs.img"), forensic: false)
        }
        let imagePermitBeforeMount = try WritePermit.request(path: s.file("fs.img"), force: true, forensic: false)
        #expect(imagePermitBeforeMount.overriddenUsers == imageUsers)
        #expect(Subprocess.run(["umount", mnt]).status == 0)
        mounted = false
        #expect(try WritePermit.request(path: s.file("fs.img"), forensic: false).overriddenUsers.isEmpty)
        let permit = try WritePermit.request(path: loop.device, forensic: false)
        #expect(permit.overriddenUsers.isEmpty)
        let w = try BlockSources.openWritable(permit: permit)
        #expect(w.kind == .blockDevice)
        #expect(w.geometry.size == 8 * 1024 * 1024)
        await w.close()
    }

    @Test(.enabled(if: Capability.mountExt4 && Capability.has("sfdisk"), "needs root, losetup -P, sfdisk, mkfs.ext4, mount"))
    func mountedPartitionRefusesTheWholeDevice() async throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(Subprocess.run(["truncate", "-s", "16M", s.file("disk.img")]).status == 0)
        let table = s.file("table")
        try "label: dos\nstart=2048, type=83\n".write(toFile: table, atomically: true, encoding: .utf8)
        #expect(Subprocess.run(["sh", "-c", "sfdisk -q '\(s.file("disk.img"))' < '\(table)'"]).status == 0)
        let loop = try Loop(s.file("disk.img"), readOnly: false, partitions: true)
        defer { loop.detach() }
        var part = loop.device + "p1"
        let sysName = "/sys/class/block/\(SplitSet.lastComponent(part))/dev"
        for _ in 0..<10 where !FileManager.default.fileExists(atPath: sysName) { usleep(20_000) }
        // The partition scan of losetup -P is not always there in time (or at all): add it.
        if !FileManager.default.fileExists(atPath: sysName) { Subprocess.run(["partx", "-a", loop.device]) }
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: sysName) { usleep(20_000) }
        if !FileManager.default.fileExists(atPath: part) {
            // No udev here: make the partition's node from sysfs.
            let dev = try String(contentsOfFile: sysName, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let parts = dev.split(separator: ":")
            part = s.file(SplitSet.lastComponent(part))
            #expect(Subprocess.run(["mknod", part, "b", String(parts[0]), String(parts[1])]).status == 0)
        }
        let partName = "/dev/" + SplitSet.lastComponent(part)
        #expect(Subprocess.run(["mkfs.ext4", "-q", part]).status == 0)
        let mnt = s.file("mnt")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        guard Subprocess.run(["mount", part, mnt]).status == 0 else { throw TestFailure("mount of \(part) failed") }
        defer { Subprocess.run(["umount", mnt]) }
        #expect(throws: BlockSourceError(path: loop.device, reason: .writeRefused(.mounted(users: ["\(partName) mounted on \(mnt)"])))) {
            try WritePermit.request(path: loop.device, forensic: false)
        }
    }

    @Test(.enabled(if: Capability.losetup, "losetup does not work here"))
    func readOnlyDeviceCannotBeOpenedForWriting() throws {
        let s = try Scratch()
        defer { s.remove() }
        try s.writeRandom("disk.img", count: 1024 * 1024)
        let loop = try Loop(s.file("disk.img"), readOnly: true)
        defer { loop.detach() }
        let permit = try WritePermit.request(path: loop.device, forensic: false)
        do {
            _ = try BlockSources.openWritable(permit: permit)
            Issue.record("opened a read-only device for writing")
        } catch {
            #expect(error.reason == .readOnlyTarget)
            #expect(error.description.contains("read-only"))
        }
    }

    @Test func mountinfoEscapesAreDecoded() {
        #expect(MountTable.unescape("/mnt/a\\040b\\011c\\134d") == "/mnt/a b\tc\\d")
    }
}
