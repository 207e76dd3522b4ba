/// Frames into values; every field is checked (the worker may be confused by hostile metadata).
enum Decode {
    static func info(_ p: UnsafeRawBufferPointer) throws(FileSystemError) -> FSInfo {
        var f = FieldReader(p)
        let type = try f.text()
        let bs: Int = try f.int()
        guard bs > 0, bs <= 1 << 24 else { throw .library("libtsk reports \(bs)-byte blocks: not a usable file system") }
        var info = FSInfo(type: type, blockSize: bs, blockCount: try f.int(), lastBlock: try f.int(), firstInode: try f.int(),
                          lastInode: try f.int(), rootInode: try f.int(), offset: try f.int())
        // The region facts are trailing fields: a description without them names no regions.
        guard !f.isAtEnd else { return info }
        let journal = try f.string().map { s throws(FileSystemError) -> UInt64 in
            guard let v = UInt64(s) else { throw .protocolError("'\(s.prefix(40))' is not an inode") }
            return v
        }
        let fatFirst: UInt64 = try f.int()
        let fatSectors: UInt64 = try f.int()
        let fatCount: Int = try f.int()
        let mftRecord: Int = try f.int()
        // Hostile values name nothing rather than something wrong.
        guard fatCount >= 0, fatCount <= 16, mftRecord >= 0, mftRecord <= 1 << 16 else {
            throw .protocolError("libtsk reports \(fatCount) FATs, \(mftRecord)-byte MFT records")
        }
        info.regions = FSRegionFacts(journalInode: journal, fatFirstSector: fatFirst, fatSectors: fatSectors,
                                     fatCount: fatCount, mftRecordSize: mftRecord)
        return info
    }

    /// One binary entry frame (see `FSEntryBatch`).
    static func entry(_ p: UnsafeRawBufferPointer) throws(FileSystemError) -> FSEntry {
        try FSEntryBatch.entry(frame: p)
    }

    static func run(_ p: UnsafeRawBufferPointer) throws(FileSystemError) -> FSRun {
        var f = FieldReader(p)
        let type: UInt32 = try f.int()
        let id: UInt16 = try f.int()
        let name = try f.string()
        let size: Int64 = try f.int()
        let k = try f.text()
        guard let kind = FSRun.Kind(rawValue: k) else { throw .protocolError("run kind '\(k.prefix(20))'") }
        let fileBlock: UInt64 = try f.int()
        let block: UInt64 = try f.int()
        let length: UInt64 = try f.int()
        let resident: Int64 = try f.int()
        return FSRun(attribute: FSAttribute(type: type, id: id), attributeName: name, attributeSize: size, kind: kind,
                     fileBlock: fileBlock, block: block, length: length, residentOffset: resident >= 0 ? resident : nil)
    }

    static func extent(_ p: UnsafeRawBufferPointer) throws(FileSystemError) -> FSOwnerExtent {
        var f = FieldReader(p)
        return FSOwnerExtent(block: try f.int(), count: try f.int(), inode: try f.int(),
                             attribute: FSAttribute(type: try f.int(), id: try f.int()), fileOffset: try f.int(),
                             metaAllocated: try f.bool())
    }

    /// A packed extents frame (`WorkerLoop.ownerMap`): u64 block · u64 count ·
    /// u64 inode · u32 attribute type · u16 attribute id · i64 offset in the
    /// attribute · u8 allocated, per extent. Each extent must fit: at least
    /// one block, its last block and last byte's offset without overflow.
    static func extents(_ p: UnsafeRawBufferPointer, blockSize: Int, into out: inout [FSOwnerExtent]) throws(FileSystemError) {
        let size = FSOwnerExtent.wireSize
        guard p.count % size == 0 else { throw .protocolError("an extents frame of \(p.count) bytes (not a multiple of \(size))") }
        var r = BinaryReader(p)
        for _ in 0..<(p.count / size) {
            let block: UInt64 = try r.le()
            let count: UInt64 = try r.le()
            let inode: UInt64 = try r.le()
            let type: UInt32 = try r.le()
            let id: UInt16 = try r.le()
            let off: Int64 = try r.le()
            let alloc = try r.u8()
            guard count > 0, alloc <= 1, off >= 0 else { throw .protocolError("an extent of \(count) blocks at offset \(off)") }
            let (_, o1) = block.addingReportingOverflow(count)
            let (bytes, o2) = count.multipliedReportingOverflow(by: UInt64(blockSize))
            let (_, o3) = UInt64(off).addingReportingOverflow(bytes)
            guard !o1, !o2, !o3, UInt64(off) &+ bytes <= UInt64(Int64.max) else {
                throw .protocolError("an extent of \(count) blocks at block \(block), offset \(off): does not fit")
            }
            out.append(FSOwnerExtent(block: block, count: count, inode: inode, attribute: FSAttribute(type: type, id: id),
                                     fileOffset: off, metaAllocated: alloc == 1))
        }
    }

    static func status(_ p: UnsafeRawBufferPointer) throws(FileSystemError) -> FSBlockStatus {
        var f = FieldReader(p)
        return FSBlockStatus(block: try f.int(), allocated: try f.bool(), metadata: try f.bool(), unknown: try f.bool())
    }

    /// A data frame: offset in the file, block, flags, then the bytes (or, sparse, their count).
    static func chunk(_ p: UnsafeRawBufferPointer) throws(FileSystemError) -> FSChunk {
        guard p.count >= 24 else { throw .protocolError("a short data frame") }
        let off = Int64(bitPattern: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian)
        let addr = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
        let flags = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian
        let sparse = flags & 1 != 0
        let body = UnsafeRawBufferPointer(rebasing: p[24...])
        let bytes: [UInt8]
        if sparse {
            guard body.count == 8 else { throw .protocolError("a sparse data frame without its length") }
            let n = body.loadUnaligned(as: UInt64.self).littleEndian
            guard n <= UInt64(Wire.maxFrame) else { throw .protocolError("a \(n)-byte hole in one chunk") }
            bytes = [UInt8](repeating: 0, count: Int(n))
        } else {
            bytes = Array(body)
        }
        guard off >= 0 else { throw .protocolError("a negative file offset") }
        return FSChunk(offset: off, bytes: bytes, sparse: sparse, resident: flags & 2 != 0, block: flags & 4 != 0 ? addr : nil)
    }
}
