import LinuxAIO
import Glibc

/// Permission to open one file or device for writing. Read-only code cannot
/// come by one: the only way to make it is `request(path:force:forensic:)`,
/// which refuses in forensic mode, refuses evidence containers (split raw,
/// EWF), and refuses a block device that is mounted or used as swap — itself,
/// a partition of it, or a device stacked on it — or an image file behind such
/// a loop device, unless `force`.
///
/// `BlockSources.openWritable(permit:)` is the only writable open.
public struct WritePermit: Sendable, CustomStringConvertible {
    /// The path the permit was granted for.
    public let path: String
    /// Granted with `force`: the mount check was skipped.
    public let forced: Bool
    /// What used the device when a forced permit was granted (for the journal).
    public let overriddenUsers: [String]
    let identity: FileIdentity
    let device: DeviceNumber?

    private init(path: String, forced: Bool, overriddenUsers: [String], identity: FileIdentity, device: DeviceNumber?) {
        self.path = path
        self.forced = forced
        self.overriddenUsers = overriddenUsers
        self.identity = identity
        self.device = device
    }

    /// Asks for permission to write `path`.
    ///
    /// - Parameters:
    ///   - force: write a block device even though it is mounted (`--force`).
    ///   - forensic: `--forensic` is on; the request is always refused.
    /// - Throws: `BlockSourceError` with `.writeRefused` (or why the path is
    ///   unusable: missing, a directory, …).
    public static func request(path: String, force: Bool = false, forensic: Bool) throws(BlockSourceError) -> WritePermit {
        if forensic { throw BlockSourceError(path: path, reason: .writeRefused(.forensic)) }
        // An NBD export: the server says at the open whether it takes writes.
        if NBDOpener.isURI(path) {
            return WritePermit(path: path, forced: force, overriddenUsers: [], identity: FileIdentity(dev: 0, ino: 0), device: nil)
        }
        var st = stat()
        if case let .failure(e) = Syscall.retrying({ stat(path, &st) }) {
            throw BlockSourceError(path: path, reason: e.rawValue == EACCES ? .searchAccessMissing : OpenedFile.openReason(e))
        }
        try OpenedFile.checkMode(st.st_mode, path: path)
        if EWFSource.hasEWFExtension(path) {
            throw BlockSourceError(path: path, reason: .writeRefused(.container(.ewf(segments: 1))))
        }
        if let naming = SplitNaming(firstSegment: path), let set = try? SplitSet.discover(naming, path: path), set.count > 1 {
            throw BlockSourceError(path: path, reason: .writeRefused(.container(.splitRaw(segments: set.count))))
        }
        let identity = FileIdentity(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        guard st.st_mode & S_IFMT == S_IFBLK else {
            let users = MountTable.users(ofImage: identity)
            if !users.isEmpty && !force {
                throw BlockSourceError(path: path, reason: .writeRefused(.mounted(users: users)))
            }
            return WritePermit(path: path, forced: force, overriddenUsers: users, identity: identity, device: nil)
        }
        let device = DeviceNumber(UInt64(st.st_rdev))
        let users = MountTable.users(of: device)
        if !users.isEmpty && !force {
            throw BlockSourceError(path: path, reason: .writeRefused(.mounted(users: users)))
        }
        return WritePermit(path: path, forced: force, overriddenUsers: users, identity: identity, device: device)
    }

    public var description: String {
        forced && !overriddenUsers.isEmpty
            ? "write permit for \(path) (forced over: \(overriddenUsers.joined(separator: ", ")))"
            : "write permit for \(path)"
    }
}
