internal import CLibNBD
internal import CLinuxAIO
import Glibc
import LinuxAIO

/// What libnbd said when a call failed: its message and errno.
struct NBDFailure: Error, Sendable {
    let message: String
    let errno: Int32
    /// The export's size when it is past `Geometry.largestSize` (the reason of the failure).
    var tooLarge: Int64?

    /// The calling thread's last libnbd error.
    static func last() -> NBDFailure { NBDFailure(message: String(cString: cnbd_error()), errno: cnbd_errno()) }
}

/// A libnbd handle driven by one reaper thread, with up to `slots` commands
/// in flight (`nbd_aio_pread`, `nbd_aio_pwrite`, `nbd_aio_flush`,
/// `nbd_aio_block_status`).
///
/// libnbd handles are not to be polled from two threads: the reaper owns the
/// state machine (`nbd_aio_get_fd` + `nbd_aio_get_direction`, poll,
/// `nbd_aio_notify_read/write`); tasks submit under `lock`, and wake the
/// reaper through an eventfd when libnbd has bytes left to send. Completion
/// callbacks run on whichever thread drives the state machine and resume the
/// waiting task through the slot table (LinuxAIO's `SlotTable`, as AioContext).
///
/// `@unchecked Sendable`: `lock` serializes every call into `handle`;
/// `state` (its own lock) holds the mutable fields.
final class NBDConnection: @unchecked Sendable {
    private struct State {
        var stopping = false
        /// Why the connection is gone (the server closed it, a transport error).
        var dead: String?
        var reaperDone = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var nextStatusTag: UInt64 = 1 << 62
        /// Block-status commands in flight: what to call with their errno.
        var status: [UInt64: @Sendable (Int32) -> Void] = [:]
    }

    /// Serializes every call into `handle`.
    private let lock = Protected(())
    private let handle: OpaquePointer
    private let wakeFD: Int32
    private let state = Protected(State())
    let table: SlotTable
    /// What the messages call it: the URI, or `qemu-nbd disk.qcow2`.
    let name: String

    private init(handle: OpaquePointer, wakeFD: Int32, slots: Int, name: String) {
        self.handle = handle
        self.wakeFD = wakeFD
        self.name = name
        table = SlotTable(slots: max(1, slots), engine: .threads)
    }

    /// How to reach the server.
    enum Target {
        case uri(String)
        /// argv of a server started with socket activation (LISTEN_FDS).
        case socketActivation([String])
    }

    /// What the server said in the handshake.
    struct Info {
        var size: Int64
        var minimumBlock: Int64
        var preferredBlock: Int64
        var maximumBlock: Int64
        var readOnly: Bool
        var canFlush: Bool
        var canFUA: Bool
        var allocation: Bool
    }

    /// `connect` on a thread of its own whose children cannot set up
    /// io_uring (`cnbd_deny_io_uring`): for a server started under --forensic.
    static func connectWithoutIOURing(_ target: Target, slots: Int, name: String) throws(NBDFailure) -> (NBDConnection, Info) {
        let result = Protected<Result<(NBDConnection, Info), NBDFailure>?>(nil)
        let gate = ThreadGate()
        do {
            try NativeThread.start(name: "blkview-connect") {
                let r: Result<(NBDConnection, Info), NBDFailure>
                let rc = cnbd_deny_io_uring()
                if rc != 0 {
                    r = .failure(NBDFailure(message: "cannot forbid io_uring to the server (seccomp)", errno: -rc))
                } else {
                    do throws(NBDFailure) { r = .success(try connect(target, slots: slots, name: name, requireTLS: false)) } catch { r = .failure(error) }
                }
                result.withLock { $0 = r }
                gate.open()
            }
        } catch {
            throw NBDFailure(message: "\(error)", errno: EAGAIN)
        }
        gate.wait()
        switch result.withLock({ $0 }) {
        case let .success(v)?: return v
        case let .failure(f)?: throw f
        case nil: throw NBDFailure(message: "the connecting thread ended without a result", errno: EIO)
        }
    }

    /// Connects (blocking: the handshake), asks for base:allocation, reads
    /// the export's figures and starts the reaper.
    static func connect(_ target: Target, slots: Int, name: String, requireTLS: Bool) throws(NBDFailure) -> (NBDConnection, Info) {
        guard let h = cnbd_create() else { throw NBDFailure.last() }
        func fail() -> NBDFailure {
            let f = NBDFailure.last()
            cnbd_close(h)
            return f
        }
        _ = cnbd_set_name(h, "blkview")
        if cnbd_request_allocation(h) == -1 { throw fail() }
        switch target {
        case let .uri(u):
            if cnbd_supports_uri(h) != 1 {
                cnbd_close(h)
                throw NBDFailure(message: "this libnbd was built without URI support", errno: ENOTSUP)
            }
            if requireTLS, cnbd_supports_tls(h) != 1 {
                cnbd_close(h)
                throw NBDFailure(message: "this libnbd was built without TLS support", errno: ENOTSUP)
            }
            if cnbd_allow_uri_local_files(h) == -1 { throw fail() }
            if cnbd_connect_uri(h, u) == -1 { throw fail() }
        case let .socketActivation(argv):
            var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            defer { for p in cargs { free(p) } }
            if cnbd_connect_socket_activation(h, &cargs) == -1 { throw fail() }
        }
        let size = cnbd_get_size(h)
        if size < 0 { throw fail() }
        if size > Geometry.largestSize {
            cnbd_close(h)
            throw NBDFailure(message: "the export's size, \(size) B, is too large", errno: EFBIG, tooLarge: size)
        }
        let info = Info(size: size,
                        minimumBlock: max(0, cnbd_get_block_size(h, 0)),
                        preferredBlock: max(0, cnbd_get_block_size(h, 1)),
                        maximumBlock: max(0, cnbd_get_block_size(h, 2)),
                        readOnly: cnbd_is_read_only(h) != 0,
                        canFlush: cnbd_can_flush(h) == 1,
                        canFUA: cnbd_can_fua(h) == 1,
                        allocation: cnbd_can_allocation(h) == 1)
        let efd = cla_eventfd()
        if efd < 0 {
            cnbd_close(h)
            throw NBDFailure(message: "cannot create an eventfd for the NBD reaper", errno: -efd)
        }
        let c = NBDConnection(handle: h, wakeFD: efd, slots: slots, name: name)
        do {
            try NativeThread.start(name: "blkview-nbd") { c.reap() }
        } catch {
            cnbd_close(h)
            Glibc.close(efd)
            throw NBDFailure(message: "\(error)", errno: EAGAIN)
        }
        return (c, info)
    }

    // MARK: Commands

    /// Reads `length` bytes at `offset` into `buffer` (the range within the export).
    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await command(.read, offset: offset, length: length, sync: .none, buffer: buffer) { h, ctx, tag in
            cnbd_aio_pread(h, buffer.baseAddress, length, UInt64(offset), nbdCompletion, ctx, tag)
        }
    }

    /// Writes the first `length` bytes of `buffer` at `offset`; `fua` asks the
    /// server to make them durable before it replies.
    func write(at offset: Int64, from buffer: AlignedBuffer, length: Int, fua: Bool, sync: SyncLevel) async throws -> Int {
        try await command(.write, offset: offset, length: length, sync: sync, buffer: buffer) { h, ctx, tag in
            cnbd_aio_pwrite(h, buffer.baseAddress, length, UInt64(offset), fua ? 1 : 0, nbdCompletion, ctx, tag)
        }
    }

    /// NBD_CMD_FLUSH: everything written so far is durable on the server.
    func flush() async throws {
        _ = try await command(.fsync, offset: 0, length: 0, sync: .full, buffer: nil) { h, ctx, tag in
            cnbd_aio_flush(h, nbdCompletion, ctx, tag)
        }
    }

    private func command(_ op: IOOperation, offset: Int64, length: Int, sync: SyncLevel, buffer: AlignedBuffer?,
                         _ call: @escaping (OpaquePointer, UnsafeMutableRawPointer, UInt64) -> Int64) async throws -> Int {
        let result = try await table.perform(op, offset: offset, length: length, sync: sync, buffer: buffer) { slot in
            if let failure = submit({ h, ctx in call(h, ctx, UInt64(slot)) }) {
                table.finish(slot: slot, result: .failure(error(op, offset: offset, length: length, failure)))
            }
        }
        // libnbd reports the whole count or an error for reads and writes.
        return op == .read || op == .write ? length : result
    }

    /// Calls into the handle under the lock; wakes the reaper when libnbd has
    /// bytes left to send. Returns why the submission failed, else nil.
    private func submit(_ call: (OpaquePointer, UnsafeMutableRawPointer) -> Int64) -> NBDFailure? {
        if let dead = state.withLock({ $0.dead }) { return NBDFailure(message: dead, errno: ENOTCONN) }
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        let (failure, wantsWrite) = lock.withLock { _ -> (NBDFailure?, Bool) in
            if call(handle, ctx) == -1 {
                // Dead between our check and the call: say so, not libnbd's
                // "invalid state" (the user's problem is the lost server).
                if cnbd_aio_is_dead(handle) == 1 {
                    return (NBDFailure(message: "the connection to the NBD server \(name) was lost", errno: ENOTCONN), false)
                }
                return (NBDFailure.last(), false)
            }
            return (nil, cnbd_aio_get_direction(handle) & 2 != 0)
        }
        if wantsWrite { wake() }
        return failure
    }

    /// The IOError of a failed command on this connection.
    func error(_ op: IOOperation, offset: Int64, length: Int, _ f: NBDFailure) -> IOError {
        let e = f.errno != 0 ? f.errno : EIO
        return IOError(operation: op, fd: -1, path: name, offset: offset, length: length, errno: Errno(e),
                       hint: e == ENOTCONN ? Self.hint(errno: e, dead: f.message) : f.message)
    }

    /// Called by the completion callback (reaper thread, or a submitter).
    fileprivate func completed(tag: UInt64, error: Int32) {
        if tag >= 1 << 62 {
            let c = state.withLock { $0.status.removeValue(forKey: tag) }
            c?(error)
            return
        }
        let slot = Int(tag)
        if error == 0 {
            table.finish(slot: slot, result: .success(0))
        } else {
            let hint = Self.hint(errno: error, dead: state.withLock { $0.dead })
            table.fail(slot: slot) { op, off, len in
                IOError(operation: op, fd: -1, path: name, offset: off, length: len, errno: Errno(error), hint: hint)
            }
        }
    }

    /// What a server's errno means for the user.
    static func hint(errno e: Int32, dead: String?) -> String {
        switch e {
        case ENOTCONN, ESHUTDOWN, ECONNRESET, EPIPE:
            dead ?? "the connection to the NBD server was lost"
        case EIO:
            "the NBD server reported an I/O error in this range"
        case EROFS, EPERM:
            "the NBD export is read-only"
        case ENOSPC:
            "no space left on the NBD server"
        default:
            "the NBD server refused the request"
        }
    }

    // MARK: Block status

    /// base:allocation extents for `count` bytes at `offset` (the server may
    /// answer for fewer); the reason when the command failed. Blocks the
    /// calling thread until the reaper sees the reply (no task involved, so
    /// no cooperative thread is needed to finish it).
    func allocation(offset: Int64, count: UInt64) -> Result<[(length: UInt64, flags: UInt32)], NBDFailure> {
        guard let list = cnbd_extent_list_new() else { return .failure(NBDFailure(message: "out of memory", errno: ENOMEM)) }
        defer { cnbd_extent_list_free(list) }
        let tag = state.withLock { s -> UInt64 in s.nextStatusTag += 1; return s.nextStatusTag }
        let gate = ThreadGate()
        let result = Protected<Int32>(0)
        state.withLock { $0.status[tag] = { e in result.withLock { $0 = e }; gate.open() } }
        if let f = submit({ h, ctx in cnbd_aio_block_status(h, count, UInt64(offset), list, nbdCompletion, ctx, tag) }) {
            let again = state.withLock { $0.status.removeValue(forKey: tag) }
            again?(f.errno != 0 ? f.errno : EIO)
        }
        gate.wait()
        let err = result.withLock { $0 }
        if err != 0 { return .failure(NBDFailure(message: state.withLock { $0.dead } ?? "block status failed", errno: err)) }
        if list.pointee.failed != 0 { return .failure(NBDFailure(message: "out of memory for block status", errno: ENOMEM)) }
        let items = UnsafeBufferPointer(start: list.pointee.items, count: list.pointee.count)
        return .success(items.map { (length: $0.length, flags: $0.flags) })
    }

    // MARK: The reaper

    private func wake() {
        var one: UInt64 = 1
        _ = Syscall.retrying { Glibc.write(wakeFD, &one, 8) }
    }

    /// Polls the socket in the direction libnbd wants and the wake-up
    /// eventfd; notifies libnbd; leaves when asked to stop with nothing in
    /// flight, or when the connection is dead.
    private func reap() {
        var message: String?
        while true {
            let stopping = state.withLock { $0.stopping }
            let (fd, dir, inFlight) = lock.withLock { _ in
                (cnbd_aio_get_fd(handle), cnbd_aio_get_direction(handle), cnbd_aio_in_flight(handle))
            }
            if fd < 0 {
                message = "the connection to \(name) is closed"
                break
            }
            if stopping && inFlight <= 0 && table.inUse == 0 && state.withLock({ $0.status.isEmpty }) { break }
            var fds = [pollfd(fd: fd, events: Int16(dir & 1 != 0 ? POLLIN : 0) | Int16(dir & 2 != 0 ? POLLOUT : 0), revents: 0),
                       pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let r = Syscall.retrying { poll(&fds, 2, -1) }
            if case .failure = r { continue }
            if fds[1].revents & Int16(POLLIN) != 0 {
                var n: UInt64 = 0
                _ = Glibc.read(wakeFD, &n, 8)
            }
            let ev = fds[0].revents
            var failed: NBDFailure?
            lock.withLock { _ in
                if ev & Int16(POLLIN | POLLHUP | POLLERR) != 0, cnbd_aio_notify_read(handle) == -1 { failed = NBDFailure.last() }
                if failed == nil, ev & Int16(POLLOUT) != 0, cnbd_aio_notify_write(handle) == -1 { failed = NBDFailure.last() }
                if failed == nil, cnbd_aio_is_dead(handle) == 1 { failed = NBDFailure(message: "the server closed the connection", errno: ENOTCONN) }
            }
            if let failed {
                message = "the NBD connection to \(name) was lost (\(failed.message))"
                break
            }
        }
        let gone = message ?? "the NBD connection to \(name) is closed"
        let (waiters, status) = state.withLock { s in
            s.dead = s.dead ?? gone
            s.reaperDone = true
            defer { s.exitWaiters = []; s.status = [:] }
            return (s.exitWaiters, Array(s.status.values))
        }
        // libnbd retires the commands of a dead connection with an error;
        // anything it did not is failed here, so that no task waits for ever.
        table.failAll { op, off, len in
            IOError(operation: op, fd: -1, path: name, offset: off, length: len, errno: Errno(ENOTCONN), hint: gone)
        }
        for s in status { s(ENOTCONN) }
        for w in waiters { w.resume() }
    }

    /// Why the connection is unusable, or nil while it works.
    var deadReason: String? { state.withLock { $0.dead } }

    /// Waits for the commands in flight, stops the reaper, disconnects and
    /// closes the handle (which ends a socket-activated server).
    func close() async {
        table.close()
        await table.drain()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                s.stopping = true
                if s.reaperDone { return true }
                s.exitWaiters.append(c)
                return false
            }
            if done { c.resume() } else { wake() }
        }
        lock.withLock { _ in
            _ = cnbd_shutdown(handle)
            cnbd_close(handle)
        }
        Glibc.close(wakeFD)
    }
}

/// The completion callback of every command: `ctx` is the connection (alive
/// until its reaper has seen every command complete), `tag` the slot or a
/// block-status tag.
private let nbdCompletion: cnbd_done_fn = { ctx, tag, error in
    guard let ctx else { return }
    Unmanaged<NBDConnection>.fromOpaque(ctx).takeUnretainedValue().completed(tag: tag, error: error)
}
