import FileSystems
import Testing

/// The names of metadata regions from libtsk's facts (pure; the end-to-end
/// tests check them on real images).
struct FSRegionTests {
    static let fat16 = FSInfo(type: "fat16", blockSize: 512, blockCount: 98304, lastBlock: 98303, firstInode: 2, lastInode: 1_569_734,
                              rootInode: 2, offset: 0, regions: FSRegionFacts(fatFirstSector: 4, fatSectors: 96, fatCount: 2))

    @Test func fatRegions() {
        let i = Self.fat16
        #expect(i.fatRegion(ofBlock: 0) == "boot sector")
        #expect(i.fatRegion(ofBlock: 3) == "reserved area")
        #expect(i.fatRegion(ofBlock: 4) == "FAT 1")
        #expect(i.fatRegion(ofBlock: 99) == "FAT 1")
        #expect(i.fatRegion(ofBlock: 100) == "FAT 2")
        #expect(i.fatRegion(ofBlock: 195) == "FAT 2")
        #expect(i.fatRegion(ofBlock: 196) == nil)
        #expect(i.fatRegion(ofBlock: .max) == nil)
        // No FAT facts (another file system, or libtsk found no $FAT1): no names.
        var none = i
        none.regions = FSRegionFacts(fatFirstSector: 4, fatSectors: 0, fatCount: 2)
        #expect(none.fatRegion(ofBlock: 0) == nil && none.fatRegion(ofBlock: 50) == nil)
    }

    @Test func journalAndMFT() {
        let ntfs = FSInfo(type: "ntfs", blockSize: 4096, blockCount: 16383, lastBlock: 16382, firstInode: 0, lastInode: 2097, rootInode: 5,
                          offset: 1 << 20, regions: FSRegionFacts(journalInode: 2, mftRecordSize: 1024))
        #expect(ntfs.isJournal(2) && !ntfs.isJournal(0))
        let mft = FSAttribute(type: 128, id: 1)
        let hit = FSOwnerHit(inode: 0, attribute: mft, fileOffset: 7 * 1024 + 0x1f0, metaAllocated: true)
        #expect(ntfs.mftPosition(hit)! == (7, 0x1f0))
        // Not $MFT's data: no record.
        #expect(ntfs.mftPosition(FSOwnerHit(inode: 5, attribute: mft, fileOffset: 10, metaAllocated: true)) == nil)
        #expect(ntfs.mftPosition(FSOwnerHit(inode: 0, attribute: FSAttribute(type: 176, id: 3), fileOffset: 10, metaAllocated: true)) == nil)
        // Unknown record size: no record rather than a guess.
        var unknown = ntfs
        unknown.regions.mftRecordSize = 0
        #expect(unknown.mftPosition(hit) == nil)

        let record = FSMFTRecord(entry: 7, valid: true, inUse: true, usedSize: 0x1e8, allocatedSize: 1024)
        #expect(!record.isSlack(0x1e7) && record.isSlack(0x1e8) && record.isSlack(1023))
        #expect(FSMFTRecord(entry: 9, valid: false, inUse: false, usedSize: 0, allocatedSize: 0).isSlack(0))
        let ext = FSInfo(type: "ext4", blockSize: 1024, blockCount: 1, lastBlock: 0, firstInode: 1, lastInode: 1, rootInode: 2, offset: 0,
                         regions: FSRegionFacts(journalInode: 8))
        #expect(ext.isJournal(8) && ext.fatRegion(ofBlock: 0) == nil && ext.mftPosition(hit) == nil)
    }
}
