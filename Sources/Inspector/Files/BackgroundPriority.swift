import Foundation
import Glibc

/// Lowers the CPU priority of this process's owner-map workers (`blkview
/// __fs-worker` children started without `--interactive`): a map is
/// background work, and on a machine with few cores the screen's frames
/// must not wait behind libtsk's walk. Linux keeps a nice value per thread,
/// so every thread of the worker is reniced. Raising a nice value needs no
/// privilege; a worker that ended meanwhile is simply skipped.
enum BackgroundPriority {
    static let nice: Int32 = 10

    /// Renices the mapping workers; returns how many threads were changed.
    @discardableResult
    static func lowerMappingWorkers() -> Int {
        let me = getpid()
        var changed = 0
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        for p in pids {
            guard let pid = Int32(p), pid != me, parent(of: pid) == me else { continue }
            guard let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let args = cmd.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard args.contains("__fs-worker"), !args.contains("--interactive") else { continue }
            let tids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            for t in tids {
                guard let tid = UInt32(t) else { continue }
                if getpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid) < nice,
                   setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, nice) == 0 {
                    changed += 1
                }
            }
        }
        return changed
    }

    /// The parent pid in `/proc/PID/stat` (after the command's closing parenthesis).
    private static func parent(of pid: Int32) -> Int32? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
              let text = String(data: data, encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
