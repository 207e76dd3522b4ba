import BlockDevice
internal import CProcess
import Foundation
import LinuxAIO
import TestSubprocess
import Testing

/// A scratch directory on a disk file system (ext4 here; not /tmp, which may
/// be tmpfs where O_DIRECT means nothing). Removed by `remove()`.
struct Scratch {
    let path: String

    init(base: String = "/var/tmp") throws {
        path = "\(base)/blkview-bd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `count` deterministic pseudo-random bytes; returns them.
    @discardableResult
    func writeRandom(_ name: String, count: Int, seed: UInt64 = 1) throws -> [UInt8] {
        let bytes = Self.random(count: count, seed: seed)
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
        return bytes
    }

    static func random(count: Int, seed: UInt64) -> [UInt8] {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            out[i] = UInt8(truncatingIfNeeded: x >> 24)
        }
        return out
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a command (looked up on PATH); returns its status and output.
@discardableResult
func sh(_ args: [String]) -> (status: Int32, out: String, err: String) {
    guard let r = try? Subprocess.run(args[0], Array(args.dropFirst())) else { return (127, "", "cannot run \(args[0])") }
    return (r.status, r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), r.stderr)
}

/// Reads the whole source in `chunk`-byte aligned reads, checking that only
/// the last read is short.
func readAll(_ source: any BlockSource, chunk: Int = 64 * 1024) async throws -> [UInt8] {
    let buffer = AlignedBuffer(count: chunk, alignment: 4096)
    var out: [UInt8] = []
    var offset: Int64 = 0
    while offset < source.geometry.size {
        let n = try await source.read(at: offset, into: buffer, length: chunk)
        #expect(n == chunk || offset + Int64(n) == source.geometry.size, "short read at \(offset)")
        if n == 0 { break }
        out += buffer.copyBytes(count: n)
        offset += Int64(n)
    }
    return out
}

/// Reads `length` bytes at `offset`, with the window widened to `align` as a
/// caller with O_DIRECT must, and returns just the wanted bytes.
func readRange(_ source: any BlockSource, at offset: Int64, length: Int, align: Int) async throws -> [UInt8] {
    let lo = offset / Int64(align) * Int64(align)
    let hi = (offset + Int64(length) + Int64(align) - 1) / Int64(align) * Int64(align)
    let buffer = AlignedBuffer(count: Int(hi - lo), alignment: 4096)
    let n = try await source.read(at: lo, into: buffer, length: buffer.count)
    let skip = Int(offset - lo)
    return buffer.copyBytes(offset: skip, count: max(0, min(length, n - skip)))
}

/// Capabilities, probed once; tests that need one are skipped with the reason.
enum Capability {
    static let isRoot = getuid() == 0

    static let losetup: Bool = {
        guard isRoot, let s = try? Scratch() else { return false }
        defer { s.remove() }
        guard (try? s.writeRandom("probe.img", count: 65536)) != nil else { return false }
        let r = sh(["losetup", "-r", "-f", "--show", s.file("probe.img")])
        guard r.status == 0, r.out.hasPrefix("/dev/loop") else { return false }
        sh(["losetup", "-d", r.out])
        return true
    }()

    static let mountExt4 = losetup && sh(["which", "mkfs.ext4"]).status == 0
    static let ewfacquire = sh(["which", "ewfacquire"]).status == 0
    static let ewfmount = isRoot && ewfacquire && sh(["which", "ewfmount"]).status == 0 && FileManager.default.fileExists(atPath: "/dev/fuse")
    static let tmpfs: String? = {
        let r = sh(["findmnt", "-n", "-o", "FSTYPE", "-T", "/dev/shm"])
        return r.out.split(separator: "\n").first == "tmpfs" ? "/dev/shm" : nil
    }()
}

/// A loop device attached for one test; `detach()` afterwards.
struct Loop {
    let device: String

    init(_ image: String, readOnly: Bool = true, sectorSize: Int? = nil, partitions: Bool = false) throws {
        var args = ["losetup", "-f", "--show"]
        if readOnly { args.append("-r") }
        if let sectorSize { args += ["-b", "\(sectorSize)"] }
        if partitions { args.append("-P") }
        let r = sh(args + [image])
        guard r.status == 0 else { throw TestFailure("losetup failed: \(r.err)") }
        device = r.out
    }

    func detach() { sh(["losetup", "-d", device]) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs `body` on a new thread whose file-system uid is `uid` (setfsuid is
/// per thread; a non-zero fsuid also drops CAP_DAC_OVERRIDE for that thread).
func asFileSystemUser<T: Sendable>(_ uid: UInt32, _ body: @escaping @Sendable () -> T) -> T {
    let result = Protected<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    let t = Thread {
        let old = cproc_setfsuid(uid)
        result.withLock { $0 = body() }
        _ = cproc_setfsuid(UInt32(bitPattern: old))
        done.signal()
    }
    t.start()
    done.wait()
    return result.withLock { $0! }
}

/// The error `BlockSources.open` throws, or nil when it opens.
func openError(_ path: String, options: BlockSourceOptions = BlockSourceOptions()) async -> BlockSourceError? {
    do throws(BlockSourceError) {
        let s = try BlockSources.open(path: path, options: options)
        await s.close()
        return nil
    } catch {
        return error
    }
}
