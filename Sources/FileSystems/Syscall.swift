import Glibc

/// This module's syscall wrapper: retries EINTR, returns the errno otherwise.
enum Syscall {
    @inline(__always)
    static func retrying<T: FixedWidthInteger>(_ call: () -> T) -> Result<T, Errno32> {
        while true {
            let r = call()
            if r >= 0 { return .success(r) }
            let e = errno
            if e == EINTR { continue }
            return .failure(Errno32(e))
        }
    }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Errno32? {
        var done = 0
        while done < bytes.count {
            switch retrying({ Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done) }) {
            case let .success(n): done += n
            case let .failure(e): return e
            }
        }
        return nil
    }

    /// Reads up to `count` bytes; 0 at end of file.
    static func read(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ count: Int) -> Result<Int, Errno32> {
        retrying { Glibc.read(fd, p, count) }
    }

    /// Waits up to `milliseconds` for `fd` to be readable (or hung up): false on timeout.
    static func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        switch retrying({ poll(&p, 1, milliseconds) }) {
        case let .success(n): return n > 0
        case .failure: return true  // let the read report it
        }
    }
}

/// An errno value with its C name's text.
struct Errno32: Error, CustomStringConvertible {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { String(cString: strerror(code)) }
}
