import LinuxAIO

/// Where a listing starts.
public enum FSDirectory: Sendable, Equatable {
    case root
    case inode(UInt64)
}

/// Which names a listing returns (fls's default, `-u`, `-d`).
public enum FSInclusion: Sendable, Equatable {
    case all
    case allocated
    case deleted
}

/// How a listing ended.
public struct FSWalkEnd: Sendable, Equatable {
    public var count: UInt64
    /// Stopped at `FSLimits.maxEntries`.
    public var truncated: Bool
}

extension FileSystemSession {
    /// Lists `directory` (recursively: the whole tree below it, fls -r -p
    /// order, orphans under `$OrphanFiles`), handing entries to `batch` in
    /// groups as they arrive (on a reader thread, in order).
    public func list(_ directory: FSDirectory = .root, recursive: Bool = false, include: FSInclusion = .all,
                     batch: @escaping @Sendable ([FSEntry]) throws -> Void) async throws -> FSWalkEnd {
        try await listBatches(directory, recursive: recursive, include: include) { b in try batch(b.entries) }
    }

    /// `list`, with the entries as the worker sent them (checked, not yet
    /// values): the fast way through 100,000 names (`ls` formats from these).
    public func listBatches(_ directory: FSDirectory = .root, recursive: Bool = false, include: FSInclusion = .all,
                            batch: @escaping @Sendable (FSEntryBatch) throws -> Void) async throws -> FSWalkEnd {
        let dir: String
        switch directory {
        case .root: dir = "-"
        case let .inode(i): dir = String(i)
        }
        var flags = recursive ? 4 : 0
        switch include {
        case .all: flags |= 3
        case .allocated: flags |= 1
        case .deleted: flags |= 2
        }
        let (rest, count, note) = try await request("ls\t\(dir)\t\(flags)\t\(spec.limits.maxEntries)", during: "listing a directory",
                                                    initial: FSEntryBatch()) { acc, kind, p in
            guard kind == .entry else { throw FileSystemError.protocolError("unexpected frame in a listing") }
            try acc.append(frame: p)
            if acc.count >= 2048 || acc.textBytes >= 1 << 18 {
                try batch(acc)
                acc.removeAll()
            }
        }
        if !rest.isEmpty { try batch(rest) }
        return FSWalkEnd(count: count, truncated: note == "limit")
    }

    /// `list` into one array.
    public func entries(_ directory: FSDirectory = .root, recursive: Bool = false, include: FSInclusion = .all) async throws -> ([FSEntry], FSWalkEnd) {
        let all = Protected<[FSEntry]>([])
        let end = try await list(directory, recursive: recursive, include: include) { b in all.withLock { $0 += b } }
        return (all.withLock { $0 }, end)
    }

    /// The metadata of `inode` (istat's facts; `name` and `parent` empty).
    public func stat(inode: UInt64) async throws -> FSEntry {
        let (e, _, _) = try await request("stat\t\(inode)", during: "reading inode \(inode)", initial: FSEntry?.none) { acc, kind, p in
            guard kind == .entry else { throw FileSystemError.protocolError("unexpected frame for a stat") }
            acc = try Decode.entry(p)
        }
        guard let e else { throw FileSystemError.protocolError("no metadata for inode \(inode)") }
        return e
    }

    /// The file at `path` (`/`-separated from the root; a deleted name is
    /// found when no allocated one matches), nil when nothing matches.
    public func lookup(path: String) async throws -> FSEntry? {
        guard !path.contains("\n"), !path.contains("\t") else { throw FileSystemError.notFound(path) }
        let (e, _, _) = try await request("lookup\t\(path)", during: "looking up \(path)", initial: FSEntry?.none) { acc, kind, p in
            guard kind == .entry else { throw FileSystemError.protocolError("unexpected frame for a lookup") }
            acc = try Decode.entry(p)
        }
        guard var e else { return nil }
        let parts = path.split(separator: "/")
        e.parent = parts.dropLast().map { $0 + "/" }.joined()
        return e
    }

    /// Where every attribute of `inode` lives.
    public func runs(inode: UInt64) async throws -> [FSRun] {
        try await request("runs\t\(inode)", during: "reading the runs of inode \(inode)", initial: [FSRun]()) { acc, kind, p in
            guard kind == .run else { throw FileSystemError.protocolError("unexpected frame in a run list") }
            acc.append(try Decode.run(p))
        }.0
    }

    /// The content of `inode` (icat; `options.slack` as `icat -s`), chunk by
    /// chunk in file order, on a reader thread. Deleted files come back as far
    /// as their metadata allows (libtsk's recovery: FAT's contiguous clusters,
    /// NTFS runs kept in the MFT entry, ext2/3 block pointers; ext4 clears them).
    /// - Returns: the bytes handed to `chunk`.
    @discardableResult
    public func read(inode: UInt64, options: FSReadOptions = FSReadOptions(),
                     chunk: @escaping @Sendable (FSChunk) throws -> Void) async throws -> Int64 {
        let type = options.attribute.map { String($0.type) } ?? "-1"
        let id = options.attribute.map { String($0.id) } ?? "-1"
        let (_, n, _) = try await request("read\t\(inode)\t\(type)\t\(id)\t\(options.slack ? 1 : 0)\t\(options.maxBytes)",
                                          during: "reading inode \(inode)", initial: 0) { _, kind, p in
            guard kind == .data else { throw FileSystemError.protocolError("unexpected frame in file data") }
            try chunk(try Decode.chunk(p))
        }
        return Int64(clamping: n)
    }

    /// The header of NTFS MFT record `entry` as libtsk reads it: in use, used
    /// and allocated sizes (bytes past the used size are MFT slack).
    public func mftRecord(_ entry: UInt64) async throws -> FSMFTRecord {
        let (r, _, _) = try await request("mft\t\(entry)", during: "reading MFT entry \(entry)", initial: FSMFTRecord?.none) { acc, kind, p in
            guard kind == .record else { throw FileSystemError.protocolError("unexpected frame for an MFT record") }
            var f = FieldReader(p)
            acc = FSMFTRecord(entry: try f.int(), valid: try f.bool(), inUse: try f.bool(), usedSize: try f.int(), allocatedSize: try f.int())
        }
        guard let r, r.entry == entry else { throw FileSystemError.protocolError("no MFT record in the answer") }
        return r
    }
}
