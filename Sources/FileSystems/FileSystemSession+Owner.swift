import Glibc

/// A file system's block → owner map and inode → names table, built at once
/// by `FileSystemSession.ownerIndex` (what the viewer's owner line and
/// `blkview owner` need).
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
        try await buildMap(lowPriority: false, progress: progress)
    }

    /// The owner map and the names of the whole tree, built in two workers
    /// at once: this session's walks the inodes (the map: packed extents,
    /// sorted on the request's reader thread) while a second worker, started
    /// for the purpose, walks the directories (binary entries, the names
    /// table built on its reader thread as they arrive). With two cores that
    /// takes about the longer walk, not the sum. Both reader threads run at
    /// nice 10 in the idle CPU class when `lowPriority` (a viewer's frames
    /// come first: `IdleCPU`); nothing is
    /// decoded on the caller's executor. Cancelling ends both workers.
    public func ownerIndex(lowPriority: Bool = false, progress: (@Sendable (UInt64, UInt64) -> Void)? = nil) async throws -> FSOwnerIndex {
        let spec = spec
        async let names = Self.namesTable(spec, lowPriority: lowPriority)
        let map = try await buildMap(lowPriority: lowPriority, progress: progress)
        let (table, truncated) = try await names
        return FSOwnerIndex(map: map, names: table, namesTruncated: truncated)
    }

    /// Every name of the tree by inode, from a worker of its own.
    private static func namesTable(_ spec: FileSystemSpec, lowPriority: Bool) async throws -> ([UInt64: [FSEntry]], Bool) {
        let fs = try await FileSystemSession.open(spec)
        do {
            let r = try await fs.namesTable(lowPriority: lowPriority)
            await fs.close()
            return r
        } catch {
            await fs.close()
            throw error
        }
    }

    private func namesTable(lowPriority: Bool) async throws -> ([UInt64: [FSEntry]], Bool) {
        let (built, _, note) = try await request("ls\t-\t7\t\(spec.limits.maxEntries)", during: "listing every name",
                                                 initial: (table: [UInt64: [FSEntry]](), parent: ""), lowPriority: lowPriority) { acc, kind, p in
            guard kind == .entry else { throw FileSystemError.protocolError("unexpected frame in a listing") }
            // Names of one directory come together: their parent string is made once.
            let e = try FSEntryBatch.entry(frame: p, parent: &acc.parent)
            acc.table[e.inode, default: []].append(e)
        }
        return (built.table, note == "limit")
    }

    private struct MapBuild: Sendable {
        var extents: [FSOwnerExtent] = []
        var map: FSOwnerMap?
    }

    private func buildMap(lowPriority: Bool, progress: (@Sendable (UInt64, UInt64) -> Void)?) async throws -> FSOwnerMap {
        let info = info
        let blockSize = info.blockSize
        let (built, _, _) = try await request("map\t\(spec.limits.maxBlocks)", during: "mapping blocks to files", initial: MapBuild(),
                                              lowPriority: lowPriority) { acc, kind, p in
            switch kind {
            case .extents: try Decode.extents(p, blockSize: blockSize, into: &acc.extents)
            case .progress:
                var f = FieldReader(p)
                let i: UInt64 = try f.int()
                let last: UInt64 = try f.int()
                progress?(i, last)
            default: throw FileSystemError.protocolError("unexpected frame in an owner map")
            }
        } finish: { acc, note in
            // Sorted here, on the reader thread. The note: cross-linked and out-of-range block counts.
            let counts = (note ?? "").split(separator: " ").compactMap { UInt64($0) }
            acc.map = FSOwnerMap(info: info, extents: acc.extents, crossLinked: counts.first ?? 0, outOfRange: counts.dropFirst().first ?? 0)
            acc.extents = []
        }
        guard let map = built.map else { throw FileSystemError.protocolError("an owner map without its end") }
        return map
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
