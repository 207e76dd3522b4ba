import Glibc
import LinuxAIO

/// A self-pipe: background work writes a byte, the UI's poll() wakes up.
/// Both ends are non-blocking and close-on-exec.
final class WakePipe: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        if case let .failure(e) = Syscall.retrying({ pipe(&fds) }) { throw CLIError("cannot create the viewer's wake-up pipe: \(e)") }
        for fd in fds {
            for (get, set, flag) in [(F_GETFL, F_SETFL, O_NONBLOCK), (F_GETFD, F_SETFD, FD_CLOEXEC)] {
                let result = Syscall.retrying({ fcntl(fd, get) }).flatMap { old in Syscall.retrying { fcntl(fd, set, old | flag) } }
                if case let .failure(e) = result {
                    Glibc.close(fds[0])
                    Glibc.close(fds[1])
                    throw CLIError("cannot set up the viewer's wake-up pipe (fcntl): \(e)")
                }
            }
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    /// Never blocks: a full pipe (EAGAIN) already means "wake up".
    var signal: @Sendable () -> Void {
        let fd = writeFD
        return {
            var b: UInt8 = 1
            _ = Syscall.retrying { write(fd, &b, 1) }
        }
    }

    func close() {
        Glibc.close(readFD)
        Glibc.close(writeFD)
    }
}
