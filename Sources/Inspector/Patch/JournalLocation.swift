import Foundation
import Glibc

/// Where an undo journal goes: `--journal FILE`, else
/// `$XDG_STATE_HOME/blkview/journals/` (`~/.local/state/blkview/journals/`).
/// Never the target itself, never on the block device being patched, and not
/// in the image's own directory unless the user named that place.
public enum JournalLocation {
    /// The default directory for journals.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let x = environment["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/blkview/journals" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/blkview/journals"
    }

    /// A new journal path for `target` in the default directory (created 0700).
    public static func defaultPath(for target: String, now: Date = Date(),
                                   environment: [String: String] = ProcessInfo.processInfo.environment) throws(JournalError) -> String {
        let dir = defaultDirectory(environment: environment)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create the journal directory \(dir): \(error.localizedDescription) — choose one with --journal FILE")
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let base = (target as NSString).lastPathComponent.replacingOccurrences(of: " ", with: "_")
        return "\(dir)/\(base)-\(f.string(from: now))-\(getpid())-\(UInt16.random(in: 0...UInt16.max)).bvundo"
    }

    /// Refuses a journal path that would put the journal into what it protects.
    ///
    /// - Parameter explicit: the user named the path (`--journal`): the
    ///   image's directory is then allowed.
    public static func check(journal: String, target: String, explicit: Bool) throws(JournalError) {
        var ts = stat()
        guard stat(target, &ts) == 0 else { return }
        let jdir = (journal as NSString).deletingLastPathComponent
        let dir = jdir.isEmpty ? "." : jdir
        var ds = stat()
        guard stat(dir, &ds) == 0 else {
            throw .io("cannot use the journal \(journal): its directory \(dir) does not exist — create it or choose another --journal FILE")
        }
        var js = stat()
        if stat(journal, &js) == 0, js.st_dev == ts.st_dev, js.st_ino == ts.st_ino {
            throw .io("refusing the journal \(journal): it is the target itself")
        }
        if ts.st_mode & S_IFMT == S_IFBLK,
           ds.st_dev == ts.st_rdev || isPartition(UInt64(ds.st_dev), of: UInt64(ts.st_rdev)) {
            throw .io("refusing the journal \(journal): it would be written on \(target), the device being patched — choose another place with --journal FILE")
        }
        if !explicit, ts.st_mode & S_IFMT == S_IFREG, ds.st_dev == ts.st_dev,
           realpath(dir) == realpath((target as NSString).deletingLastPathComponent.isEmpty ? "." : (target as NSString).deletingLastPathComponent) {
            throw .io("refusing to put the journal in the image's own directory (\(dir)) unless asked: pass --journal FILE")
        }
    }

    private static func major(_ d: UInt64) -> UInt64 { (d >> 8) & 0xfff | (d >> 32) & ~0xfff }

    /// Whether device `child` is a partition of `parent` (sysfs knows).
    private static func isPartition(_ child: UInt64, of parent: UInt64) -> Bool {
        let c = "\(major(child)):\((child & 0xff) | (child >> 12) & ~0xff)"
        let p = "\(major(parent)):\((parent & 0xff) | (parent >> 12) & ~0xff)"
        // /sys/dev/block/C links to …/parent/partition: the parent's dev is one up.
        let dev = try? String(contentsOfFile: "/sys/dev/block/\(c)/../dev", encoding: .utf8)
        return dev?.trimmingCharacters(in: .whitespacesAndNewlines) == p
    }

    private static func realpath(_ p: String) -> String {
        guard let r = Glibc.realpath(p, nil) else { return p }
        defer { free(r) }
        return String(cString: r)
    }
}
