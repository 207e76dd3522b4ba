import FileSystems

/// The owner line of a byte a file holds: `p2 ntfs › /docs/ledger.txt (MFT 65) +0x1c6`,
/// and, when the byte is inside an MFT record, that record decoded. Metadata
/// regions say their name first: `FAT 1 +0x200`, `journal (inode 8) +0x4000`,
/// `MFT slack (MFT entry 7) +0x1f0` (see `FSRegionName`).
enum OwnerText {
    /// Bytes of an MFT record (libtsk's NTFS default; the boot sector may say otherwise).
    static let mftRecordSize: Int64 = 1024

    /// ext's reserved inodes that fls names nowhere.
    static func wellKnown(_ inode: UInt64, type: String) -> String? {
        guard type.hasPrefix("ext") else { return nil }
        switch inode {
        case 1: return "bad blocks inode"
        case 7: return "reserved GDT blocks (resize inode)"
        case 8: return "journal"
        default: return nil
        }
    }

    /// The path of `inode` (the name of its `attribute`'s stream on NTFS), and that stream's size.
    static func name(_ inode: UInt64, attribute: FSAttribute, names: [UInt64: [FSEntry]]) -> (String, Int64?)? {
        guard let list = names[inode], !list.isEmpty else { return nil }
        let e = list.first { $0.attribute == attribute } ?? list.first { $0.attribute == nil } ?? list[0]
        return ("/" + e.path, e.attribute == attribute || e.attribute == nil ? e.size : nil)
    }

    /// The owner line from the map and the names alone (no worker: cheap enough for every frame).
    static func quick(_ cursor: Int64, head: String, hit: FSOwnerHit, names: [UInt64: [FSEntry]], info: FSInfo) -> OwnerLine {
        let ntfs = info.isNTFS
        let at = " +0x\(String(hit.fileOffset, radix: 16))"
        // libtsk's $MBR, $FAT1, $FAT2 hold the boot sector and the FATs: the region is the answer.
        if let (block, _) = info.block(ofMediaOffset: cursor), let region = info.fatRegion(ofBlock: block) {
            return OwnerLine(offset: cursor, text: head + region + at)
        }
        if let entry = mftEntry(hit, info: info) {
            let within = hit.fileOffset % recordSize(info)
            let path = names[entry].flatMap { $0.first.map { " (/" + $0.parent + $0.name + ")" } } ?? ""
            return OwnerLine(offset: cursor, text: head + "MFT entry \(entry)\(path) +0x\(String(within, radix: 16))")
        }
        let kind = ntfs ? "MFT" : "inode"
        let (path, size) = name(hit.inode, attribute: hit.attribute, names: names)
            ?? (wellKnown(hit.inode, type: info.type) ?? "(no name)", nil)
        if info.isJournal(hit.inode) {
            let which = path.hasPrefix("/") ? "\(path), " : ""
            return OwnerLine(offset: cursor, text: head + FSRegionName.journal + " (\(which)\(kind) \(hit.address(ntfs: ntfs)))" + at)
        }
        var text = head + "\(path) (\(kind) \(hit.address(ntfs: ntfs)))" + at
        if let size, hit.fileOffset >= size { text += " slack" }
        if !hit.metaAllocated { text += " deleted" }
        return OwnerLine(offset: cursor, text: text)
    }

    /// Bytes of an MFT record: libtsk's figure, else the default.
    static func recordSize(_ info: FSInfo) -> Int64 {
        info.regions.mftRecordSize > 0 ? Int64(info.regions.mftRecordSize) : mftRecordSize
    }

    /// The MFT entry whose record holds the byte (the byte is in `$MFT`'s data).
    static func mftEntry(_ hit: FSOwnerHit, info: FSInfo) -> UInt64? {
        guard info.isNTFS, hit.inode == 0, hit.attribute.type == 128, hit.fileOffset >= 0 else { return nil }
        return UInt64(hit.fileOffset / recordSize(info))
    }

    /// The line again once the record's header is known (a worker round trip,
    /// so not in `quick`): a byte of an MFT record past its used size, or of
    /// a record without a valid header, is `MFT slack`; a record not in use says so.
    static func mftSlack(_ line: OwnerLine, head: String, hit: FSOwnerHit, names: [UInt64: [FSEntry]], fs: FileSystemSession) async -> OwnerLine {
        guard let entry = mftEntry(hit, info: fs.info) else { return line }
        let within = hit.fileOffset % recordSize(fs.info)
        let record = entry <= fs.info.lastInode ? try? await fs.mftRecord(entry) : nil
        if let record, !record.isSlack(within) {
            // A record not in use is a deleted file's: still a record (the panel decodes it).
            var out = line
            if !record.inUse { out.text += " (not in use)" }
            return out
        }
        let path = names[entry].flatMap { $0.first.map { ", /" + $0.parent + $0.name } } ?? ""
        var out = line
        out.text = head + FSRegionName.mftSlack + " (MFT entry \(entry)\(path)) +0x\(String(within, radix: 16))"
        return out
    }

    /// The metadata record under the cursor decoded (istat's facts): the MFT
    /// entry whose record holds the byte, or the directory whose entries do.
    static func metadata(hit: FSOwnerHit, names: [UInt64: [FSEntry]], fs: FileSystemSession) async -> CursorMetadata? {
        if let entry = mftEntry(hit, info: fs.info) {
            guard let e = try? await fs.stat(inode: entry) else { return nil }
            let runs = (try? await fs.runs(inode: entry)) ?? []
            let path = names[entry].flatMap { $0.first.map { " · /" + $0.parent + $0.name } } ?? ""
            return CursorMetadata(title: "MFT entry \(entry)\(path)", entry: e, runs: runs, info: fs.info)
        }
        guard names[hit.inode]?.contains(where: \.isDirectory) == true || hit.inode == fs.info.rootInode,
              let st = try? await fs.stat(inode: hit.inode) else { return nil }
        let runs = (try? await fs.runs(inode: hit.inode)) ?? []
        let path = name(hit.inode, attribute: hit.attribute, names: names)?.0 ?? "/"
        return CursorMetadata(title: "directory entries of \(path) (\(fs.info.isNTFS ? "MFT" : "inode") \(hit.inode))", entry: st, runs: runs, info: fs.info)
    }
}
