/// How durable a write must be before it completes.
///
/// Mapped to per-I/O flags in `iocb.aio_rw_flags` (and `pwritev2` flags in the
/// threaded engine), not to `aio_flags`: the seed ORed them into `aio_flags`,
/// where bit 1 is `IOCB_FLAG_IOPRIO`, so its "synced" writes were not synced.
public enum SyncLevel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// No flag: the write completes when the device has accepted it.
    case none
    /// `RWF_DSYNC` (per-write O_DSYNC): data and the metadata needed to read it back.
    case data
    /// `RWF_SYNC` (per-write O_SYNC): data and all metadata.
    case full

    public var description: String {
        switch self {
        case .none: "none"
        case .data: "data (O_DSYNC)"
        case .full: "full (O_SYNC)"
        }
    }
}

/// The kind of an I/O request, as shown in panels and errors.
public enum IOOperation: String, Sendable, CaseIterable, Hashable {
    case read, write, fsync, fdatasync
}

/// Which engine serves requests.
public enum EngineKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Linux native AIO (io_submit / io_getevents) over O_DIRECT.
    case aio
    /// pread/pwrite on a small pool of threads: tmpfs, FUSE, EWF, or no AIO.
    case threads

    public var description: String { rawValue }
}
