import Glibc
import LinuxAIO

/// Standard output for `ls` and `owner`, written from the thread that reads
/// the worker's answers: a locked buffer flushed in big writes. A reader that
/// went away (`| head`, EPIPE) makes `write` throw `ReaderGone`; the command
/// then stops quietly with status 0.
final class TextOutput: Sendable {
    struct ReaderGone: Error {}

    private let buffer = Protected<[UInt8]>([])

    init() {
        signal(SIGPIPE, SIG_IGN)
    }

    func write(_ s: String) throws {
        let full = buffer.withLock { b -> Bool in
            b.append(contentsOf: s.utf8)
            return b.count >= 1 << 16
        }
        if full { try flush() }
    }

    /// Bytes already formatted (`ls`).
    func write(bytes: [UInt8]) throws {
        let full = buffer.withLock { b -> Bool in
            b.append(contentsOf: bytes)
            return b.count >= 1 << 16
        }
        if full { try flush() }
    }

    func flush() throws {
        try buffer.withLock { b in
            defer { b.removeAll(keepingCapacity: true) }
            var done = 0
            while done < b.count {
                let r = b.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
                if r < 0 {
                    let e = errno
                    if e == EINTR || e == EAGAIN { continue }
                    if e == EPIPE { throw ReaderGone() }
                    throw CLIError("cannot write to standard output: \(String(cString: strerror(e)))")
                }
                done += r
            }
        }
    }
}
