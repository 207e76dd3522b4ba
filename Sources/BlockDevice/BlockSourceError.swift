import LinuxAIO

/// Why a source could not be opened (or a write permit was refused), as one
/// line that names the path, the reason and what to do.
///
/// `cannot open /dev/sdb: permission denied — read access is missing; run as a
/// user in the "disk" group or with sudo`
///
/// Failures of individual reads are `IOError`s from the engine, not this type.
public struct BlockSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        /// ENOENT (or ENOTDIR on the way).
        case notFound
        case isDirectory
        case fifo
        case socket
        case characterDevice
        /// Anything else that is neither a regular file nor a block device.
        case unsupportedFileType
        /// EACCES/EPERM on open: the user may not read the file.
        case readAccessMissing
        /// EACCES/EPERM on a writable open.
        case writeAccessMissing
        /// EROFS, or a block device with the read-only flag (BLKROGET).
        case readOnlyTarget
        /// EACCES on stat: a directory on the way may not be searched.
        case searchAccessMissing
        /// open(2) or fstat(2) failed otherwise.
        case openFailed(Errno)
        /// A split raw set has a gap: `missing` is absent but `present` exists.
        case missingSegment(missing: String, present: String)
        /// A segment other than the last differs in size from the first.
        case segmentSizeMismatch(segment: String, size: Int64, expected: Int64)
        /// libewf could not open the set (its message).
        case ewf(String)
        /// A limit of the process to raise (the message says which).
        case resourceLimit(String)
        /// The requested engine could not be set up (`--engine aio` without AIO).
        case engineUnavailable(String)
        /// An option out of range (the message says which).
        case invalidOption(String)
        /// A write permit was refused.
        case writeRefused(WriteRefusal)
    }

    /// The path the user gave.
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let verb: String = if case .writeRefused = reason { "open \(path) for writing" } else { "open \(path)" }
        // The path and the explanation (which may quote media or a path)
        // are hostile text: escaped for the terminal.
        return "cannot \(verb): \(explanation)".terminalSafe
    }

    private var explanation: String {
        switch reason {
        case .notFound:
            "no such file or device — check the path"
        case .isDirectory:
            "it is a directory — give an image file or a block device"
        case .fifo:
            "it is a FIFO (named pipe), which cannot be read at random offsets — save the stream to an image file first"
        case .socket:
            "it is a socket, which cannot be read at random offsets — save the stream to an image file first"
        case .characterDevice:
            "it is a character device, not a block device — give the block device (e.g. /dev/sdb, /dev/nvme0n1)"
        case .unsupportedFileType:
            "it is neither a regular file nor a block device"
        case .readAccessMissing:
            "permission denied — read access is missing; run as a user who may read it (for devices, the \"disk\" group) or with sudo"
        case .writeAccessMissing:
            "permission denied — write access is missing; run as a user who may write it or with sudo"
        case .readOnlyTarget:
            "the file system or device is read-only — remount it read-write (or `blockdev --setrw`) if you mean to patch it"
        case .searchAccessMissing:
            "permission denied — a directory on the way cannot be searched; check the directories' permissions"
        case let .openFailed(e):
            "\(e)"
        case let .missingSegment(missing, present):
            "split raw segment \(missing) is missing (\(present) exists) — the set is incomplete; restore the missing segment"
        case let .segmentSizeMismatch(segment, size, expected):
            "split raw segment \(segment) is \(size) bytes but the segments before the last are \(expected) bytes — the set is truncated or mixed; re-copy it"
        case let .ewf(message):
            "not a readable EWF set: \(message) — check that all segments (.E01, .E02, …) are present and intact"
        case let .engineUnavailable(message), let .resourceLimit(message):
            message
        case let .invalidOption(message):
            message
        case let .writeRefused(refusal):
            refusal.description
        }
    }
}

/// Why `WritePermit.request` said no.
public enum WriteRefusal: Sendable, Equatable, CustomStringConvertible {
    /// `--forensic` forbids every write.
    case forensic
    /// The device (or one of its partitions or holders) is mounted or used as swap.
    case mounted(users: [String])
    /// Split raw and EWF sets are evidence containers; they are never written.
    case container(SourceKind)
    /// The path names another file than the one the permit was granted for.
    case changed
    /// Another process holds the target open for writing (its OFD lock).
    case anotherWriter(pid: Int32?)

    public var description: String {
        switch self {
        case .forensic:
            "forensic mode is read-only — writes are refused; run without --forensic to patch"
        case let .mounted(users):
            "the device is in use (\(users.joined(separator: ", "))) — unmount it first, or pass --force if you know what you are doing"
        case let .container(kind):
            "a \(kind) set cannot be written — patch a raw copy instead"
        case .changed:
            "the path now names another file than the permit was granted for — request a new permit"
        case let .anotherWriter(pid):
            "another writer has it open\(pid.map { " (pid \($0))" } ?? "") — one writer at a time: wait for it to finish or close it"
        }
    }
}
