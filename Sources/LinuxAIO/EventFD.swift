import Glibc

/// The completion eventfd, closed exactly once, after its last user (the
/// reaper, `close()`, the executor's wake-up): a number closed while another
/// thread may still write to it could be reused by an unrelated open.
final class EventFD: Sendable {
    let fd: Int32

    init(_ fd: Int32) { self.fd = fd }

    /// Adds one to the counter (wakes the reaper); never blocks.
    func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    deinit { Glibc.close(fd) }
}
