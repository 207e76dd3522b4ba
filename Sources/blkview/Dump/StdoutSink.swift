import ArgumentParser
import BlockDevice
import Foundation
import Glibc
import Inspector
import LinuxAIO

/// Standard output for the batch commands: big `write(2)`s of a `DumpBuffer`.
/// SIGPIPE is ignored, so a reader that went away (`| head`) shows up as
/// EPIPE, which ends the output quietly: the command stops and exits 0.
struct StdoutSink {
    private(set) var closedByReader = false

    init() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes and empties `buffer`; false when the reader has gone (EPIPE).
    /// Other write errors throw the one-line message.
    mutating func flush(_ buffer: DumpBuffer) throws -> Bool {
        defer { buffer.removeAll() }
        if closedByReader { return false }
        var done = 0
        let total = buffer.count
        while done < total {
            let r = write(1, buffer.base + done, total - done)
            if r < 0 {
                let e = errno
                if e == EINTR || e == EAGAIN { continue }
                if e == EPIPE {
                    closedByReader = true
                    return false
                }
                throw CLIError("cannot write to standard output: \(String(cString: strerror(e)))")
            }
            done += r
        }
        return true
    }
}

/// Prints `Error: message` as one line on stderr and returns the exit status
/// to throw: for errors found after parsing, so that no usage text follows.
func failure(_ message: String, status: Int32) -> ExitCode {
    var line = "Error: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    return ExitCode(status)
}

/// Runs a batch command's work on an open source and closes it whatever
/// happens: an `ExitCode` passes through; Ctrl-C (`CancellationError`) says
/// "`what` interrupted" and is rethrown, so that a forensic session logs it
/// and exits 130; any other error becomes one `Error:` line and `status`.
/// Under `ulimit -v`: smaller thread stacks and a check that there is room
/// to run, else one clear line and exit status 1 (2 for `search`, grep's
/// error status). Called first thing in `main`, on the main thread, before
/// the Swift runtime starts its pool threads: libdispatch retries a thread it
/// cannot start once a second for ever, so after that it would be too late.
func exitUnlessRoomToRun() {
    do {
        try NativeThread.prepareForAddressSpaceLimit()
    } catch {
        let search = CommandLine.arguments.dropFirst().first == "search"
        let reason: String = if case let .allocationFailed(e, bytes) = error {
            "not enough address space to run under this limit (ulimit -v): \(bytes >> 20) MiB could not be reserved: \(e)"
        } else {
            "\(error)"
        }
        _ = failure(reason, status: 1)
        exit(search ? 2 : 1)
    }
}

func closing<T>(_ src: MediaReader, _ what: String, failureStatus status: Int32,
                _ body: () async throws -> T) async throws -> T {
    do {
        let result = try await body()
        await src.close()
        return result
    } catch let e as ExitCode {
        await src.close()
        throw e
    } catch is CancellationError {
        await src.close()
        FileHandle.standardError.write(Data("blkview: \(src.path): \(what) interrupted (Ctrl-C)\n".utf8))
        throw CancellationError()
    } catch {
        await src.close()
        throw failure("\(error)", status: status)
    }
}
