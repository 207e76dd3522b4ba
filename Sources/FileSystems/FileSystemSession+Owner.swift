import Glibc

/// A file system's block → owner map and inode → names table, built together
/// in the worker by `FileSystemSession.ownerIndex` (what the viewer's owner
/// line and `blkview owner` need).
public struct FSOwnerIndex: Sendable {
    public let map: FSOwnerMap
    /// Every name of the tree (`ls -r`), by inode.
    public let names: [UInt64: [FSEntry]]
    /// The names stopped at `FSLimits.maxEntries`.
    public let namesTruncated: Bool
}

extension FileSystemSession {
    /// Every block's owner (see `FSOwnerMap`), built by one inode walk in the
    /// worker, reading through the read path's `background` class (unless the
    /// session is interactive). `progress` gets (inode, last inode).
    public func ownerMap(progress: (@Sendable (UInt64, UInt64) -> Void)? = nil) async throws -> FSOwnerMap {
        try await ownerIndex(names: false, lowPriority: false, progress: progress).map
    }

    /// The owner map and the names of the whole tree in one request: the
    /// worker walks the inodes, then the directories, and ships packed
    /// extents and binary entries; the map is sorted and the names table
    /// built on the request's reader thread as the frames arrive (at nice 10
    /// when `lowPriority`: a viewer's frames come first), never on the
    /// caller's executor.
    public func ownerIndex(lowPriority: Bool = false, progress: (@Sendable (UInt64, UInt64) -> Void)? = nil) async throws -> FSOwnerIndex {
        try await ownerIndex(names: true, lowPriority: lowPriority, progress: progress)
    }

    private struct IndexBuild: Sendable {
        var extents: [FSOwnerExtent] = []
        var names: [UInt64: [FSEntry]] = [:]
        var map: FSOwnerMap?
    }

    private func ownerIndex(names: Bool, lowPriority: Bool, progress: (@Sendable (UInt64, UInt64) -> Void)?) async throws -> FSOwnerIndex {
        let info = info
        let blockSize = info.blockSize
        let line = "map\t\(spec.limits.maxBlocks)" + (names ? "\t\(spec.limits.maxEntries)" : "")
        let (built, _, note) = try await request(line, during: "mapping blocks to files", initial: IndexBuild(), lowPriority: lowPriority) { acc, kind, p in
            switch kind {
            case .extents: try Decode.extents(p, blockSize: blockSize, into: &acc.extents)
            case .progress:
                var f = FieldReader(p)
                let i: UInt64 = try f.int()
                let last: UInt64 = try f.int()
                progress?(i, last)
            case .entry where names:
                var batch = FSEntryBatch()
                try batch.append(frame: p)
                batch.forEach { v in
                    let e = v.entry
                    acc.names[e.inode, default: []].append(e)
                }
            default: throw FileSystemError.protocolError("unexpected frame in an owner map")
            }
        } finish: { acc, note in
            let counts = (note ?? "").split(separator: " ").compactMap { UInt64($0) }
            acc.map = FSOwnerMap(info: info, extents: acc.extents, crossLinked: counts.first ?? 0, outOfRange: counts.dropFirst().first ?? 0)
            acc.extents = []
        }
        guard let map = built.map else { throw FileSystemError.protocolError("an owner map without its end") }
        return FSOwnerIndex(map: map, names: built.names, namesTruncated: (note ?? "").hasSuffix(" limit"))
    }

    /// The owner of one block, found as `ifind -d` finds it (an inode walk
    /// that stops at the first hit): for a single answer while the map builds.
    public func owner(ofBlock block: UInt64) async throws -> FSOwnerExtent? {
        try await request("find\t\(block)", during: "finding the owner of block \(block)", initial: FSOwnerExtent?.none) { acc, kind, p in
            guard kind == .extent else { throw FileSystemError.protocolError("unexpected frame for an owner") }
            acc = try Decode.extent(p)
        }.0
    }

    /// What libtsk says of blocks (allocated, metadata) — for bytes no file owns.
    public func blockStatus(of blocks: [UInt64]) async throws -> [FSBlockStatus] {
        var out: [FSBlockStatus] = []
        var i = 0
        while i < blocks.count {
            let part = blocks[i..<min(blocks.count, i + 512)]
            i += part.count
            let line = "status\t" + part.map(String.init).joined(separator: "\t")
            out += try await request(line, during: "reading block flags", initial: [FSBlockStatus]()) { acc, kind, p in
                guard kind == .status else { throw FileSystemError.protocolError("unexpected frame in block flags") }
                acc.append(try Decode.status(p))
            }.0
        }
        return out
    }
}
