import Foundation
import TestSupport
import Testing

/// Drives the real binary in a tmux session, fzf-style: start, send keys,
/// wait for the screen to show something (never a fixed sleep), and print the
/// screen when a wait fails. Each session has a tmux server of its own
/// (`-L name`): tests in parallel suites cannot end each other's server.
final class TmuxSession {
    let name: String
    private let tmux: String

    /// Starts `command` in a detached session of `width`×`height` with UTF-8.
    init(_ command: String, width: Int = 120, height: Int = 40) throws {
        guard let t = Subprocess.which("tmux") else { throw TestFailure("tmux is not installed") }
        tmux = t
        name = "blkview-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // `; sleep` keeps the pane after exit so the final screen can be read.
        // After exit, compare the terminal modes with those from before the run.
        let wrapped = "saved=$(stty -g); LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(command); rc=$?; "
            + "[ \"$(stty -g)\" = \"$saved\" ] && t=tty-sane || t=tty-changed; echo \"[exit $rc $t]\"; sleep 600"
        let r = try run(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", wrapped])
        guard r.status == 0 else { throw TestFailure("tmux new-session failed: \(r.stderr)") }
    }

    deinit {
        _ = try? run(["kill-session", "-t", name])
        _ = try? run(["kill-server"])
        // tmux leaves its socket behind.
        unlink("/tmp/tmux-\(getuid())/\(name)")
    }

    /// Runs a tmux command against this session's own server.
    @discardableResult
    func run(_ arguments: [String]) throws -> Subprocess.Result {
        try Subprocess.run(tmux, ["-L", name] + arguments)
    }

    /// Sends tmux key names (`Enter`, `PageDown`, `F1`) or literal text.
    func send(_ keys: String...) throws {
        try run(["send-keys", "-t", name] + keys)
    }

    /// Sends text literally (no key-name lookup).
    func type(_ text: String) throws {
        try run(["send-keys", "-t", name, "-l", text])
    }

    func resize(width: Int, height: Int) throws {
        try run(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    var screen: String {
        (try? run(["capture-pane", "-p", "-t", name]).stdout) ?? ""
    }

    /// Waits until `predicate(screen)` holds; throws with the screen after `seconds`.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 10, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = screen
            if predicate(last) { return last }
            usleep(20_000)
        }
        throw TestFailure("timed out waiting for \(what); the screen was:\n\(last)")
    }

    @discardableResult
    func waitFor(text: String, seconds: Double = 10) throws -> String {
        try waitFor("'\(text)'", seconds: seconds) { $0.contains(text) }
    }
}
