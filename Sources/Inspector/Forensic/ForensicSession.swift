import Glibc
import LinuxAIO

/// One `--forensic` run's record in the session log: who ran what on which
/// evidence and when, each evidence file stamped (size, mtime, ctime, atime)
/// before and after, every read error, the hashes and verifications. Lines
/// are appended as things happen, so an interrupted run leaves what it did.
///
/// ```
/// == blkview session 20261126T160440Z-4242 start 2026-11-26T16:04:40.123456789Z
/// version: blkview 0.1.0
/// command: blkview hash --forensic --case 2026-017 /cases/usb.E01
/// …
/// evidence before: /cases/usb.E01 size=3147200 mtime=… ctime=… atime=… mode=0444 …
/// hash md5 [0, 3145728) 3145728 bytes: 705eccd1c9c98bb660709cc2ed296560
/// verify MD5 match: 705e… (stored in the image /cases/usb.E01)
/// evidence after: /cases/usb.E01 size=3147200 mtime=… …
/// evidence unchanged: /cases/usb.E01
/// == blkview session 20261126T160440Z-4242 end 2026-11-26T16:04:41.0Z status 0
/// ```
public final class ForensicSession: Sendable {
    /// Who runs what: the header of the record.
    public struct Context: Sendable {
        public var version: String
        public var arguments: [String]
        public var examiner: String?
        public var caseID: String?

        public init(version: String, arguments: [String], examiner: String?, caseID: String?) {
            self.version = version
            self.arguments = arguments
            self.examiner = examiner
            self.caseID = caseID
        }
    }

    private struct State {
        var order: [String] = []
        var before: [String: FileStamp] = [:]
        var errors = Set<String>()
    }

    public let id: String
    public let log: SessionLogFile
    private let state = Protected(State())

    /// Writes the header and stamps `evidence` (the paths given, before
    /// anything is opened).
    public init(log: SessionLogFile, context: Context, evidence: [String]) {
        let start = UTCTime.now()
        id = "\(UTCTime.compact(start))-\(getpid())"
        self.log = log
        var lines = [
            "== blkview session \(id) start \(UTCTime.format(start))",
            "version: blkview \(context.version)",
            "command: \(ShellQuoting.join(context.arguments))",
            "cwd: \(SessionLogLocation.absolute("."))".replacingOccurrences(ofSuffix: "/."),
            "user: uid=\(getuid()) euid=\(geteuid()) gid=\(getgid())",
            "host: \(Self.hostname())",
        ]
        if let e = context.examiner { lines.append("examiner: \(e)") }
        if let c = context.caseID { lines.append("case: \(c)") }
        log.append(lines)
        stamp(evidence)
    }

    /// The source opened: stamps the files not stamped yet (the other
    /// segments of a set) and says how it is read.
    public func opened(files: [String], description: String) {
        log.append(["opened: \(description)"])
        stamp(files)
    }

    /// A free-form line ("atime: …", "background hash cancelled at 43%").
    public func note(_ line: String) { log.append([line]) }

    /// A read that failed; each range is logged once.
    public func readError(offset: Int64, length: Int, message: String) {
        let key = "\(offset)+\(length)"
        let new = state.withLock { $0.errors.insert(key).inserted }
        if new {
            log.append(["read error: offset=\(offset) (0x\(String(offset, radix: 16))) length=\(length): \(message)"])
        }
    }

    /// A hash pass: its read errors, then its digests (or why there are none).
    public func hashed(_ report: HashReport, label: String = "hash") {
        for e in report.readErrors { readError(offset: e.offset, length: e.length, message: e.message) }
        let r = report.range
        let span = "[\(r.offset), \(r.offset + r.length)) \(r.length) bytes"
        if report.isComplete {
            log.append(report.digests.keys.sorted().map { "\(label) \($0.rawValue) \(span): \(report.digests[$0]!)" }
                + ["\(label) took \(String(format2(report.seconds))) s"])
        } else {
            log.append(["\(label) \(span): no digest, \(report.readErrors.count) unreadable range(s)"])
        }
    }

    /// Verification results.
    public func verified(_ checks: [HashCheck]) {
        log.append(checks.map { "verify \($0)" })
    }

    /// Stamps the evidence again and writes the end of the record. Returns
    /// warnings for the user (evidence changed, access time moved).
    @discardableResult
    public func finish(status: Int32, error: String? = nil) -> [String] {
        let (order, before) = state.withLock { ($0.order, $0.before) }
        var lines: [String] = []
        var warnings: [String] = []
        if let error { lines.append("error: \(error)") }
        for path in order {
            guard case let .success(after) = FileStamp.take(path) else {
                lines.append("evidence after: \(path): cannot stat")
                warnings.append("\(path) cannot be stat'ed after the session")
                continue
            }
            lines.append("evidence after: \(path) \(after.summary)")
            guard let b = before[path] else { continue }
            let changes = b.changes(to: after)
            if changes.isEmpty {
                lines.append("evidence unchanged: \(path) (size, mtime, ctime, mode, owner)")
            } else {
                lines.append("EVIDENCE CHANGED: \(path): \(changes.joined(separator: ", "))")
                warnings.append("evidence changed during the session: \(path) (\(changes.joined(separator: ", ")))")
            }
            if b.atimeChanged(to: after) {
                let why = "access time of \(path) moved: reads without O_NOATIME (the kernel grants it only to "
                    + "the owner or CAP_FOWNER) on a mount that records access times; "
                    + "mount the evidence read-only or noatime to keep it"
                lines.append("atime changed: \(why)")
                warnings.append(why)
            }
        }
        lines.append("== blkview session \(id) end \(UTCTime.format(UTCTime.now())) status \(status)")
        log.append(lines)
        return warnings
    }

    private func stamp(_ paths: [String]) {
        var lines: [String] = []
        for p in paths {
            let fresh = state.withLock { s -> Bool in
                if s.order.contains(p) { return false }
                s.order.append(p)
                return true
            }
            guard fresh else { continue }
            switch FileStamp.take(p) {
            case let .success(st):
                state.withLock { $0.before[p] = st }
                lines.append("evidence before: \(p) \(st.summary)")
                if !st.readOnlyMount && !st.noAtimeMount && st.mode & UInt32(S_IFMT) == UInt32(S_IFREG) {
                    lines.append("atime: \(p) is on a mount that records access times (not read-only, not noatime): "
                        + "reads leave it only through O_NOATIME, which the kernel grants to the owner or root")
                }
            case let .failure(e):
                lines.append("evidence before: \(p): cannot stat: \(e)")
            }
        }
        log.append(lines)
    }

    private static func hostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "?" }
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// "1.234": seconds with three decimals, without Foundation.
func format2(_ v: Double) -> String {
    let ms = Int((v * 1000).rounded())
    let frac = String(ms % 1000)
    return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}

/// Quoting a command line so that it can be pasted back into a shell.
public enum ShellQuoting {
    public static func quote(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    public static func join(_ args: [String]) -> String { args.map(quote).joined(separator: " ") }
}

extension String {
    func replacingOccurrences(ofSuffix suffix: String) -> String {
        hasSuffix(suffix) && count > suffix.count ? String(dropLast(suffix.count)) : self
    }
}
