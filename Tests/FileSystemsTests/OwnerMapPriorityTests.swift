import Foundation
@testable import FileSystems
import Glibc
import LinuxAIO
import TestSupport
import Testing

/// A viewer's background owner map runs in Linux's idle CPU class: every
/// thread of its workers (`--nice`) and the threads that decode their frames
/// in the caller (`lowPriority`). The real blkview worker, on an ext4 made by
/// `mkfs.ext4 -d` with 9,000 files in 30 directories (progress frames every 4,096 inodes).
@Suite("owner map CPU class", .enabled(if: Capability.have("mkfs.ext4"), "needs e2fsprogs"), .serialized)
struct OwnerMapPriorityTests {
    /// The blkview binary next to the test bundle (the worker's executable).
    static let blkview = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("blkview").path

    static func image(_ s: Scratch) throws -> String {
        let img = s.file("fs.img")
        let r = try Subprocess.sh("""
            set -e; cd '\(s.path)'; mkdir tree
            python3 -c "
            import os
            for d in range(30):
                os.makedirs('tree/d%02d' % d)
                for i in range(300): open('tree/d%02d/f%03d' % (d, i), 'w').write('x' * (1 + i % 900))"
            mkfs.ext4 -q -F -N 10000 -d tree '\(img)' 32M
            """)
        guard r.status == 0 else { throw TestFailure("fixture: \(r.stderr)") }
        return img
    }

    /// Scheduling policy and nice of every thread of `pid` (/proc/PID/task/*/stat: fields 19 and 41).
    static func threads(_ pid: Int32) throws -> [(policy: Int, nice: Int)] {
        let tids = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        return try tids.map { tid in
            let stat = try String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8)
            // After the command's closing parenthesis: field 3 on.
            let rest = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
            return (policy: try #require(Int(rest[41 - 3])), nice: try #require(Int(rest[19 - 3])))
        }
    }

    /// The `__fs-worker` children of this process serving `media` (other
    /// suites running beside this one have workers of their own).
    static func workers(of media: String) throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let cmd = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
            let ppid = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")[1]
            let args = cmd.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return Int32(ppid) == getpid() && args.contains("__fs-worker") && args.contains(media)
        }
    }

    @Test("--nice: every worker thread is SCHED_IDLE at nice 10; without it, SCHED_OTHER")
    func workerThreads() async throws {
        let s = try Scratch()
        let img = try Self.image(s)
        for nice: Int32 in [10, 0] {
            var spec = FileSystemSpec(media: img, executable: Self.blkview)
            spec.nice = nice
            let fs = try await FileSystemSession.open(spec)
            let pids = try Self.workers(of: img)
            #expect(pids.count == 1)
            for pid in pids {
                let t = try Self.threads(pid)
                #expect(t.count >= 2, "the worker's threads: \(t)")
                // (Without --nice the runtime's own threads keep theirs: an overcommit thread runs at -4.)
                #expect(t.allSatisfy { $0.policy == (nice > 0 ? Int(NativeThread.schedIdle) : 0) && (nice == 0 || $0.nice == Int(nice)) },
                        "nice \(nice): \(t)")
            }
            await fs.close()
        }
    }

    @Test("ownerIndex(lowPriority:): its frames are decoded on SCHED_IDLE threads; not when false")
    func readerThreads() async throws {
        let s = try Scratch()
        let img = try Self.image(s)
        let fs = try await FileSystemSession.open(FileSystemSpec(media: img, executable: Self.blkview))
        for low in [true, false] {
            let seen = Protected<[Int32]>([])
            let index = try await fs.ownerIndex(lowPriority: low) { _, _ in
                let p = sched_getscheduler(0)
                seen.withLock { $0.append(p) }
            }
            #expect(index.names.count >= 9000)
            let policies = seen.withLock { $0 }
            #expect(!policies.isEmpty, "no progress frame")
            #expect(policies.allSatisfy { $0 == (low ? NativeThread.schedIdle : 0) }, "lowPriority \(low): \(policies)")
        }
        await fs.close()
        #expect(sched_getscheduler(0) == 0, "the caller's thread keeps its class")
    }
}
