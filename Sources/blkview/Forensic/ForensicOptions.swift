import ArgumentParser
import BlockDevice
import Foundation
import Inspector

/// `--forensic` and its session log: one option group for every command that
/// reads evidence (view, info, dump, search, hash).
///
/// Adopting it in a command is one line and one call:
///
/// ```swift
/// @OptionGroup var forensic: ForensicOptions
///
/// func run() async throws {
///     try forensic.refuseWrite("--write")          // only if the command has a write flag that is set
///     try await forensic.session(evidence: [path]) { session in
///         let src = try source.open(path)            // BlockSources.open: O_RDONLY, always
///         session?.opened(src)                       // stamps the other segments of a set
///         …                                          // session?.readError(…) for each failed read
///         await src.close()
///     }
/// }
/// ```
///
/// Without `--forensic`, `session` just runs the body with nil. With it, the
/// session log is opened first (refused inside the evidence directory), the
/// evidence is stamped before and after, and the record ends with the exit
/// status, also when the body throws.
struct ForensicOptions: ParsableArguments {
    init() {}

    @Flag(help: ArgumentHelp(
        "Forensic mode: a provable read-only session, recorded in a session log.",
        discussion: "The evidence is opened O_RDONLY only, nothing is written, locked or created beside it, "
            + "and writing (edit keys, --write) is refused."))
    var forensic = false

    @Option(help: ArgumentHelp(
        "Session log to append to (default: $XDG_STATE_HOME/blkview/sessions/, else ~/.local/state/blkview/sessions/).",
        valueName: "file"))
    var log: String?

    @Option(help: "Examiner's name, for the session log.")
    var examiner: String?

    @Option(name: .customLong("case"), help: ArgumentHelp("Case number or name, for the session log.", valueName: "case"))
    var caseID: String?

    func validate() throws {
        if !forensic && (log != nil || examiner != nil || caseID != nil) {
            throw ValidationError("--log, --examiner and --case go with --forensic")
        }
    }

    /// Throws a clear refusal when `--forensic` is on: call it for a write
    /// command or flag (`--write`, a patch) before anything is opened.
    func refuseWrite(_ what: String) throws {
        if forensic {
            throw CLIError("\(what) is refused under --forensic: a forensic session never writes to the evidence "
                + "(work on a copy without --forensic to change it)")
        }
    }

    /// Runs `body` inside a forensic session (nil without `--forensic`).
    ///
    /// - Parameter evidence: the paths given on the command line (stamped
    ///   before anything opens them).
    func session<T>(evidence: [String], _ body: (ForensicSession?) async throws -> T) async throws -> T {
        guard forensic else { return try await body(nil) }
        let session = try begin(evidence: evidence)
        defer { FileHandle.standardError.write(Data("session log: \(session.log.path)\n".utf8)) }
        do {
            let result = try await body(session)
            warn(session.finish(status: 0))
            return result
        } catch let e as ExitCode {
            warn(session.finish(status: e.rawValue))
            throw e
        } catch is CancellationError {
            warn(session.finish(status: 130, error: "interrupted"))
            throw ExitCode(130)
        } catch {
            warn(session.finish(status: 1, error: "\(error)"))
            throw error
        }
    }

    /// `session` for the batch commands (info, dump, search): under
    /// `--forensic`, Ctrl-C cancels the work instead of killing the process,
    /// so that the session log still gets its end ("interrupted", status 130).
    func interruptibleSession(evidence: [String],
                              _ body: @escaping @Sendable (ForensicSession?) async throws -> Void) async throws {
        guard forensic else { return try await body(nil) }
        let mark = Interrupt.mark()  // before the log starts: a (first) Ctrl-C cannot end it unfinished
        try await session(evidence: evidence) { s in
            try await Interrupt.cancelling(since: mark) { try await body(s) }
        }
    }

    /// Opens the session log and writes the header; the evidence is stamped.
    func begin(evidence: [String]) throws -> ForensicSession {
        let path: String
        if let log {
            path = log
        } else if let dir = SessionLogLocation.defaultDirectory(environment: ProcessInfo.processInfo.environment) {
            path = dir + "/" + SessionLogLocation.defaultFileName(start: UTCTime.now(), pid: getpid())
        } else {
            throw CLIError("--forensic needs a session log, and neither XDG_STATE_HOME nor HOME is set: give --log FILE")
        }
        do {
            // An NBD export is no file: nothing to stamp or keep the log away from.
            let files = evidence.filter { !BlockSources.isNBDURI($0) }
            try SessionLogLocation.check(log: path, evidence: files)
            let file = try SessionLogFile(path: path, createDirectory: log == nil)
            let context = ForensicSession.Context(
                version: BlkviewCommand.configuration.version, arguments: ["blkview"] + CommandLine.arguments.dropFirst(),
                examiner: examiner, caseID: caseID)
            return ForensicSession(log: file, context: context, evidence: files)
        } catch {
            throw CLIError(error.description)
        }
    }

    private func warn(_ warnings: [String]) {
        for w in warnings { FileHandle.standardError.write(Data("blkview: warning: \(w)\n".utf8)) }
    }
}

extension ForensicSession {
    /// The source is open: how it is read, and the stamps of its other files.
    func opened(_ src: any BlockSource) {
        var d = "\(src.path) as \(src.kind), \(src.geometry.size) bytes, engine \(src.engineLabel)"
        if let n = src.engineNote { d += " (\(n))" }
        opened(files: src.files, description: d)
        if let ev = src.evidence {
            var s = "container: \(ev.format)"
            for (k, v) in ev.storedHashes.sorted(by: { $0.key < $1.key }) { s += ", stored \(k) \(v)" }
            if let c = ev.caseNumber { s += ", case \(c)" }
            if let e = ev.examinerName { s += ", examiner \(e)" }
            note(s)
        }
    }
}
