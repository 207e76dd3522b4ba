import Foundation
import Glibc
import TestSupport

/// An nbdkit server started by a test on a unix socket in a scratch
/// directory (never TCP), stopped by `stop()` or when dropped.
final class NBDServer: Sendable {
    let socket: String
    let pid: Int32

    /// `nbdkit -U SOCKET -P PIDFILE [filters] PLUGIN ARGS…`; returns once the
    /// socket accepts connections (nbdkit writes the pid file when ready).
    init(dir: String, name: String = "nbd", filters: [String] = [], plugin: [String], readOnly: Bool = false,
         extra: [String] = []) throws {
        socket = "\(dir)/\(name).sock"
        let pidFile = "\(dir)/\(name).pid"
        let argv = (readOnly ? ["-r"] : []) + extra + ["-U", socket, "-P", pidFile] + filters.map { "--filter=\($0)" } + plugin
        let r = try Subprocess.run(Subprocess.which("nbdkit")!, argv)
        guard r.status == 0 else { throw TestFailure("nbdkit \(argv.joined(separator: " ")): \(r.stderr)") }
        // nbdkit writes the pid file once it accepts connections, which may
        // be a moment after the parent has returned.
        var found: Int32?
        for _ in 0..<200 where found == nil {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
               let p = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                found = p
            } else {
                usleep(50_000)
            }
        }
        guard let found else { throw TestFailure("nbdkit wrote no pid file in 10 s") }
        pid = found
    }

    /// `nbd+unix:///?socket=…` (the default export).
    var uri: String { "nbd+unix:///?socket=\(socket)" }

    /// Kills the server (SIGKILL: no goodbye to clients).
    func kill() { _ = Glibc.kill(pid, SIGKILL) }

    func stop() { _ = Glibc.kill(pid, SIGTERM) }

    deinit { _ = Glibc.kill(pid, SIGTERM) }

    /// nbdkit, nbdcopy (libnbd-bin), qemu-img and qemu-nbd (qemu-utils) are installed.
    static let available = Capability.have("nbdkit", "nbdcopy", "qemu-img", "qemu-nbd")
}
