import CLinuxAIO
import Foundation
import Glibc
@testable import LinuxAIO
import TestSupport

/// A file on a disk file system (not tmpfs), removed when the value goes away.
final class TempFile: Sendable {
    let path: String
    let bytes: [UInt8]

    /// `size` random bytes (seeded) in a fresh file under /var/tmp.
    init(size: Int, seed: UInt64 = 42, directory: String = "/var/tmp") throws {
        var rng = SplitMix64(seed: seed)
        var b = [UInt8](repeating: 0, count: size)
        for i in stride(from: 0, to: size, by: 8) {
            var v = rng.next()
            for j in 0..<min(8, size - i) { b[i + j] = UInt8(truncatingIfNeeded: v); v >>= 8 }
        }
        bytes = b
        path = "\(directory)/blkview-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: path, contents: Data(b)) else {
            throw TestFailure("cannot create \(path)")
        }
    }

    deinit { unlink(path) }

    /// Opens with `flags` (O_DIRECT added unless `direct` is false).
    func open(_ flags: Int32 = O_RDONLY, direct: Bool = true) throws -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC | (direct ? cla_O_DIRECT : 0))
        guard fd >= 0 else { throw TestFailure("open \(path): \(Errno(errno))") }
        return fd
    }

    /// The file's bytes as they are on disk now (plain pread, no cache bypass needed).
    func contents() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Makes each engine kind for parameterised behavioural tests.
func makeEngine(_ kind: EngineKind, slots: Int) throws -> any IOEngine {
    switch kind {
    case .aio: try AioContext(slots: slots)
    case .threads: ThreadPoolEngine(slots: slots)
    }
}

/// Engines that can run here (AIO only where io_setup and O_DIRECT work).
let runnableEngines: [EngineKind] = Capability.realAIO ? [.aio, .threads] : [.threads]
