// Comparing DiskFormats' answers with the independent tools'.
import Testing
import DiskFormats

/// The layout's partitions equal sfdisk's: numbers, starts, sizes, types, names, GUIDs, boot flags.
func expectAgrees(_ layout: DiskLayout, withSfdisk table: (label: String, sectorSize: Int, partitions: [SfdiskPartition]),
                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(layout.scheme == (table.label == "gpt" ? .gpt : .mbr), sourceLocation: sourceLocation)
    #expect(layout.partitions.map(\.index) == table.partitions.map(\.index), sourceLocation: sourceLocation)
    for theirs in table.partitions {
        guard let ours = layout.partition(theirs.index) else {
            Issue.record("partition \(theirs.index) missing", sourceLocation: sourceLocation)
            continue
        }
        #expect(ours.start == theirs.start, "partition \(theirs.index) start", sourceLocation: sourceLocation)
        #expect(ours.size == theirs.size, "partition \(theirs.index) size", sourceLocation: sourceLocation)
        if table.label == "gpt" {
            #expect(ours.type == theirs.type, sourceLocation: sourceLocation)
            #expect(ours.guid == theirs.uuid, sourceLocation: sourceLocation)
            #expect(ours.name == theirs.name, sourceLocation: sourceLocation)
        } else {
            // sfdisk prints the MBR id as bare hex ("c"); ours is "0x0c".
            #expect(UInt8(ours.type.dropFirst(2), radix: 16) == UInt8(theirs.type, radix: 16),
                    "partition \(theirs.index) type \(ours.type) vs \(theirs.type)", sourceLocation: sourceLocation)
            #expect(ours.bootable == theirs.bootable, sourceLocation: sourceLocation)
        }
    }
}

/// The data partitions (not the extended container) are exactly mmls' data rows.
func expectAgrees(_ layout: DiskLayout, withMmls rows: [(start: Int64, length: Int64)],
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let ours = layout.partitions.filter { $0.kind != .extended }.map { "\($0.start)+\($0.size)" }.sorted()
    let theirs = rows.map { "\($0.start)+\($0.length)" }.sorted()
    #expect(ours == theirs, sourceLocation: sourceLocation)
}

/// The file system agrees with `blkid -p -o export`: TYPE, LABEL, UUID (and
/// VERSION, UUID_SUB, BLOCK_SIZE where both sides have them).
func expectAgrees(_ fs: FileSystemInfo?, withBlkid values: [String: String], _ what: String,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    guard let type = values["TYPE"] else {
        #expect(fs == nil, "\(what): blkid finds nothing, we find \(fs?.type ?? "")", sourceLocation: sourceLocation)
        return
    }
    guard let fs else {
        Issue.record("\(what): blkid finds \(type), we find nothing", sourceLocation: sourceLocation)
        return
    }
    #expect(fs.type == type, "\(what) TYPE", sourceLocation: sourceLocation)
    #expect(fs.label == values["LABEL"], "\(what) LABEL", sourceLocation: sourceLocation)
    #expect(fs.uuid == values["UUID"], "\(what) UUID", sourceLocation: sourceLocation)
    if let sub = values["UUID_SUB"] { #expect(fs.uuidSub == sub, "\(what) UUID_SUB", sourceLocation: sourceLocation) }
    if let version = values["VERSION"], fs.version != nil, ["vfat", "swap", "crypto_LUKS", "ext2", "ext3", "ext4"].contains(type) {
        #expect(fs.version == version, "\(what) VERSION", sourceLocation: sourceLocation)
    }
    if let block = values["BLOCK_SIZE"], ["ext2", "ext3", "ext4", "btrfs"].contains(type) {
        #expect(fs.blockSize.map(String.init) == block, "\(what) BLOCK_SIZE", sourceLocation: sourceLocation)
    }
}

/// Every partition's file system agrees with blkid probing that partition's byte range.
func expectFilesystemsAgreeWithBlkid(_ layout: DiskLayout, image: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    let sector = Int64(layout.sectorSize)
    for p in layout.partitions where p.kind != .extended {
        let values = try blkid(image, offset: p.start * sector, size: p.size * sector)
        expectAgrees(p.filesystem, withBlkid: values, "partition \(p.index)", sourceLocation: sourceLocation)
    }
}
