import BlockDevice
import DiskFormats
import FileSystems
import Inspector

/// What `owner` says of one byte.
struct OwnerAnswer {
    struct Owner {
        var address: String
        var inode: UInt64
        var attribute: FSAttribute
        var fileOffset: Int64
        var slack: Bool
        var allocated: Bool
        var size: Int64
        var paths: [String]
    }

    var offset: Int64
    var partition: Int?
    var fsOffset: Int64?
    var fsType: String?
    var block: UInt64?
    /// file, unallocated, metadata, allocated (no file found), outside (no file system)
    var status: String
    var owner: Owner?
    /// DiskFormats' name of the area (`FAT 1`, `inode table`, `$MFT`…), where it has one.
    var area: String?
    /// libtsk's name of the metadata region, as the viewer's status bar says it: `boot sector`,
    /// `reserved area`, `FAT 1`, `MFT entry`, `MFT slack`, `inode table`, `journal`, `unallocated`.
    var region: String?
    /// The MFT entry whose record holds the byte (NTFS), or the inode whose record does (an ext inode table).
    var recordOf: UInt64?
    var note: String?

    /// `FAT 1`, `MFT slack (entry 7)`, `inode table (inode 13)`.
    private var regionText: String? {
        guard let region else { return nil }
        guard let r = recordOf else { return region }
        return region == FSRegionName.mftEntry ? "\(region) \(r)" : region == FSRegionName.mftSlack ? "\(region) (entry \(r))" : "\(region) (inode \(r))"
    }

    var text: String {
        var s = "0x\(String(offset, radix: 16)): "
        guard let fsType else { return s + "not in a file system" + (area.map { " (\($0))" } ?? "") + (note.map { " (\($0))" } ?? "") }
        s += (partition.map { "p\($0) " } ?? "") + fsType
        if let block { s += " block \(block)" }
        s += " › "
        if let o = owner {
            if let regionText { s += regionText + " · " }
            let kind = fsType.hasPrefix("ntfs") ? "MFT" : "inode"
            // A region already names what has no path (the ext journal inode).
            s += o.paths.first.map { "/" + $0 + " " } ?? (regionText == nil ? "(no name) " : "")
            s += "(\(kind) \(o.address)) +0x\(String(o.fileOffset, radix: 16))"
            s += o.slack ? ", slack" : ""
            s += o.allocated ? ", allocated" : ", deleted"
            if let note { s += " (\(note))" }
        } else {
            s += status == "allocated" ? "allocated, no file found" : status
            if let regionText, region != status { s += " (\(regionText))" }
            if let area { s += " (\(area))" }
            if let note { s += " (\(note))" }
        }
        return s
    }

    var json: String {
        func n<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "null" }
        var s = "{\"offset\":\(offset),\"partition\":\(n(partition)),\"fs_offset\":\(n(fsOffset)),\"fs_type\":\(JSONText.quote(fsType)),"
        s += "\"block\":\(n(block)),\"status\":\(JSONText.quote(status)),\"area\":\(JSONText.quote(area)),"
        s += "\"region\":\(JSONText.quote(region)),\"record\":\(n(recordOf)),"
        if let o = owner {
            s += "\"owner\":{\"inode\":\(o.inode),\"address\":\(JSONText.quote(o.address)),\"attr_type\":\(o.attribute.type),"
            s += "\"attr_id\":\(o.attribute.id),\"file_offset\":\(o.fileOffset),\"slack\":\(o.slack),\"allocated\":\(o.allocated),"
            s += "\"size\":\(o.size),\"paths\":[\(o.paths.map { JSONText.quote($0) }.joined(separator: ","))]}"
        } else {
            s += "\"owner\":null"
        }
        return s + "}"
    }
}

/// Finds the file system of each offset, builds its owner map once, names owners.
struct OwnerResolver {
    let path: String
    let source: SourceOptions
    let layout: DiskLayout
    let media: MediaReader
    var fixedOffset: Int64?
    var fixedPartition: Int?
    private var open: [Int64: (fs: FileSystemSession, map: FSOwnerMap)] = [:]
    private var names: [Int64: [UInt64: [FSEntry]]] = [:]
    /// stat and runs of the inodes already named, per file system (a batch asks many bytes of one file).
    private var inodes: [Int64: [UInt64: (FSEntry, [FSRun])]] = [:]
    private var mftRecords: [Int64: [UInt64: FSMFTRecord?]] = [:]
    private var extTables: [Int64: ExtInodeTables?] = [:]

    init(path: String, source: SourceOptions, layout: DiskLayout, media: MediaReader) {
        self.path = path
        self.source = source
        self.layout = layout
        self.media = media
    }

    /// The file system holding `offset`: (its start, its partition).
    private func fileSystem(of offset: Int64) throws -> (Int64, Int?)? {
        if let fixedOffset { return (fixedOffset, nil) }
        for p in layout.partitions {
            if let fixedPartition, p.index != fixedPartition { continue }
            guard let r = p.byteRange(sectorSize: layout.sectorSize) else { continue }
            if r.contains(offset) || fixedPartition == p.index { return (r.lowerBound, p.index) }
        }
        if fixedPartition != nil { throw CLIError("--partition \(fixedPartition!): \(path) has no such partition") }
        return layout.partitions.isEmpty ? (0, nil) : nil
    }

    private func area(_ offset: Int64) -> String? {
        layout.regions.filter { $0.contains(offset) }.min { $0.length < $1.length }?.name
    }

    mutating func answer(_ offset: Int64) async throws -> OwnerAnswer {
        var a = OwnerAnswer(offset: offset, status: "outside", area: area(offset))
        guard let (start, part) = try fileSystem(of: offset) else { a.note = "between partitions"; return a }
        a.partition = part
        a.fsOffset = start
        if open[start] == nil {
            let fs = try await FileSystemSession.open(FileSystemSpec(media: path, offset: start, sourceArguments: source.workerArguments))
            let index = try await fs.ownerIndex()
            open[start] = (fs, index.map)
            names[start] = index.names
        }
        let (fs, map) = open[start]!
        a.fsType = fs.info.type
        guard let (block, _) = fs.info.block(ofMediaOffset: offset) else { a.note = "past the file system's last block"; return a }
        a.block = block
        if let hit = map.owner(ofMediaOffset: offset) {
            a.status = "file"
            let (stat, runs) = try await facts(fs, start, hit.inode)
            let size = runs.first { $0.attribute == hit.attribute }?.attributeSize ?? stat.size
            let byName = try await self.names(fs, start)[hit.inode] ?? []
            let paths = byName.filter { $0.attribute == nil || $0.attribute == hit.attribute || $0.attribute?.type == 48 }
                .map { $0.parent + $0.name }
            var unique: [String] = []
            for p in paths where !unique.contains(p) { unique.append(p) }
            a.owner = OwnerAnswer.Owner(address: hit.address(ntfs: fs.info.isNTFS), inode: hit.inode, attribute: hit.attribute,
                                        fileOffset: hit.fileOffset, slack: hit.fileOffset >= size,
                                        allocated: hit.metaAllocated, size: size, paths: unique)
            try await name(&a, fs, start, block: block, hit: hit)
            return a
        }
        let st = try await fs.blockStatus(of: [block]).first
        if let st, st.metadata { a.status = "metadata" } else if let st, st.allocated { a.status = "allocated" } else if st?.unknown == true {
            a.status = "unknown"
        } else {
            a.status = "unallocated"
        }
        try await name(&a, fs, start, block: block, hit: nil)
        return a
    }

    /// The region's name (see `OwnerAnswer.region`), from libtsk's facts:
    /// the FATs' place, the journal's inode, the MFT record's header; ext
    /// inode tables from the group descriptors.
    private mutating func name(_ a: inout OwnerAnswer, _ fs: FileSystemSession, _ start: Int64, block: UInt64, hit: FSOwnerHit?) async throws {
        let info = fs.info
        if let r = info.fatRegion(ofBlock: block) { a.region = r; return }
        if let hit {
            if info.isJournal(hit.inode) { a.region = FSRegionName.journal }
            if let (entry, within) = info.mftPosition(hit) {
                a.recordOf = entry
                if mftRecords[start]?[entry] == nil {
                    // An entry past the last (in $MFT's own slack) or unreadable has no record: slack.
                    let rec = entry <= info.lastInode ? try? await fs.mftRecord(entry) : nil
                    mftRecords[start, default: [:]][entry] = .some(rec)
                }
                let rec = mftRecords[start]?[entry] ?? nil
                a.region = rec.map { $0.isSlack(within) } ?? true ? FSRegionName.mftSlack : FSRegionName.mftEntry
                if let rec, rec.valid, !rec.inUse { a.note = "MFT entry \(entry) not in use" }
            }
            return
        }
        if info.type.hasPrefix("ext") {
            if extTables[start] == nil { extTables[start] = .some(await ExtInodeTables.load(media, fsOffset: start)) }
            if let t = extTables[start] ?? nil, let (inode, group, within) = t.inode(at: a.offset) {
                a.region = FSRegionName.inodeTable
                a.recordOf = inode
                a.note = "group \(group), +0x\(String(within, radix: 16)) in the inode's record"
                return
            }
        }
        if a.status == "unallocated" { a.region = FSRegionName.unallocated }
    }

    /// The inode's metadata and runs (asked once per inode).
    private mutating func facts(_ fs: FileSystemSession, _ start: Int64, _ inode: UInt64) async throws -> (FSEntry, [FSRun]) {
        if let f = inodes[start]?[inode] { return f }
        let f = (try await fs.stat(inode: inode), try await fs.runs(inode: inode))
        inodes[start, default: [:]][inode] = f
        return f
    }

    /// inode → its names (one recursive listing per file system, on first need).
    private mutating func names(_ fs: FileSystemSession, _ start: Int64) async throws -> [UInt64: [FSEntry]] {
        if let n = names[start] { return n }
        let (all, _) = try await fs.entries(.root, recursive: true)
        var m: [UInt64: [FSEntry]] = [:]
        for e in all { m[e.inode, default: []].append(e) }
        names[start] = m
        return m
    }

    func close() async {
        for (_, v) in open { await v.fs.close() }
    }
}
