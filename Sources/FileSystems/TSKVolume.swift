internal import CLibTSK

/// A file system opened by libtsk in this process (the worker's side only:
/// `FileSystemSession` never links libtsk's calls into the viewer's process).
/// Not thread-safe: one thread (the worker's libtsk thread) uses it.
final class TSKVolume {
    private let handle: OpaquePointer
    private let bridge: MediaBridge
    let info: FSInfo

    /// The C callbacks get the bridge back through this pointer.
    private static let readFunction: cltsk_read_fn = { ctx, offset, buf, len in
        guard let ctx, let buf, len <= UInt64(Int.max) else { return -1 }
        return Unmanaged<MediaBridge>.fromOpaque(ctx).takeUnretainedValue().copy(at: offset, into: buf, length: Int(len))
    }

    init(bridge: MediaBridge, offset: Int64) throws(FileSystemError) {
        self.bridge = bridge
        var err = [CChar](repeating: 0, count: 512)
        let ctx = Unmanaged.passUnretained(bridge).toOpaque()
        let geometry = bridge.reader.geometry
        guard offset >= 0, offset < geometry.size else {
            throw .library("offset 0x\(String(offset, radix: 16)) is outside the media (size 0x\(String(geometry.size, radix: 16)))")
        }
        guard let h = cltsk_open(ctx, Self.readFunction, geometry.size, UInt32(clamping: geometry.logicalSectorSize), offset, &err, err.count) else {
            throw .library(Self.message(err, bridge))
        }
        handle = h
        var i = cltsk_info()
        cltsk_get_info(h, &i)
        let type = withUnsafeBytes(of: i.type) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let regions = FSRegionFacts(journalInode: i.journal_inum != 0 ? i.journal_inum : nil, fatFirstSector: i.fat_first_sector, fatSectors: UInt64(i.fat_sectors),
                                    fatCount: Int(i.fat_count), mftRecordSize: Int(i.mft_record_size))
        info = FSInfo(type: type, blockSize: Int(i.block_size), blockCount: i.block_count, lastBlock: i.last_block,
                      firstInode: i.first_inum, lastInode: i.last_inum, rootInode: i.root_inum, offset: i.offset, regions: regions)
    }

    deinit { cltsk_close(handle) }

    static func message(_ err: [CChar], _ bridge: MediaBridge) -> String {
        var m = err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if let f = bridge.lastFailure, m.contains("cannot read") { m += " (\(f))" }
        return m.isEmpty ? "libtsk failed" : m
    }

    /// Walks directories from `directory` (nil: the root), calling `body` per fls entry.
    /// - Returns: true when `body` stopped the walk.
    func walk(directory: UInt64?, recursive: Bool, allocated: Bool, deleted: Bool,
              _ body: (UnsafePointer<cltsk_entry>) -> Bool) throws(FileSystemError) -> Bool {
        var flags: UInt32 = 0
        if allocated { flags |= UInt32(CLTSK_WALK_ALLOC) }
        if deleted { flags |= UInt32(CLTSK_WALK_UNALLOC) }
        if recursive { flags |= UInt32(CLTSK_WALK_RECURSE) }
        var err = [CChar](repeating: 0, count: 512)
        let rc = withoutActuallyEscaping(body) { body -> Int32 in
            let box = Box(body)
            return cltsk_walk_dir(handle, directory ?? UInt64.max, flags, { ctx, e in
                guard let ctx, let e else { return 1 }
                return Unmanaged<Box<(UnsafePointer<cltsk_entry>) -> Bool>>.fromOpaque(ctx).takeUnretainedValue().value(e) ? 1 : 0
            }, Unmanaged.passUnretained(box).toOpaque(), &err, err.count)
        }
        if rc < 0 { throw .library(Self.message(err, bridge)) }
        return rc == 1
    }

    /// tsk_fs_path2inum: the inode of `path`, nil when no name matches.
    func inode(ofPath path: String) throws(FileSystemError) -> UInt64? {
        var err = [CChar](repeating: 0, count: 512)
        var inum: UInt64 = 0
        let rc = cltsk_path_to_inum(handle, path, &inum, &err, err.count)
        if rc < 0 { throw .library(Self.message(err, bridge)) }
        return rc == 0 ? inum : nil
    }

    /// The metadata of `inode` as an entry (no name).
    func stat(_ inode: UInt64, _ body: (UnsafePointer<cltsk_entry>) -> Void) throws(FileSystemError) {
        var err = [CChar](repeating: 0, count: 512)
        var e = cltsk_entry()
        guard cltsk_stat(handle, inode, &e, &err, err.count) == 0 else { throw .library(Self.message(err, bridge)) }
        body(&e)
    }

    /// The file's content in chunks, as icat walks it.
    /// - Returns: true when `body` stopped the walk.
    func read(_ inode: UInt64, attribute: FSAttribute?, anyID: Bool, slack: Bool,
              _ body: (Int64, UInt64, UnsafeRawBufferPointer, _ raw: Bool, _ sparse: Bool, _ resident: Bool) -> Bool) throws(FileSystemError) -> Bool {
        var err = [CChar](repeating: 0, count: 512)
        typealias Fn = (Int64, UInt64, UnsafeRawBufferPointer, Bool, Bool, Bool) -> Bool
        let rc = withoutActuallyEscaping(body) { body -> Int32 in
            let box = Box<Fn>(body)
            return cltsk_read_file(handle, inode, attribute.map { Int32(bitPattern: $0.type) } ?? -1,
                                   anyID ? -1 : attribute.map { Int32($0.id) } ?? -1, slack ? UInt32(CLTSK_READ_SLACK) : 0, { ctx, off, addr, buf, len, raw, sparse, res in
                guard let ctx, let buf, len <= UInt64(Int.max) else { return 1 }
                let f = Unmanaged<Box<Fn>>.fromOpaque(ctx).takeUnretainedValue().value
                return f(off, addr, UnsafeRawBufferPointer(start: buf, count: Int(len)), raw != 0, sparse != 0, res != 0) ? 1 : 0
            }, Unmanaged.passUnretained(box).toOpaque(), &err, err.count)
        }
        if rc < 0 { throw .library(Self.message(err, bridge)) }
        return rc == 1
    }

    /// The runs of every attribute of `inode`.
    func runs(_ inode: UInt64, _ body: (UnsafePointer<cltsk_run>) -> Void) throws(FileSystemError) {
        var err = [CChar](repeating: 0, count: 512)
        typealias Fn = (UnsafePointer<cltsk_run>) -> Void
        let rc = withoutActuallyEscaping(body) { body -> Int32 in
            let box = Box<Fn>(body)
            return cltsk_runs(handle, inode, { ctx, r in
                guard let ctx, let r else { return 1 }
                Unmanaged<Box<Fn>>.fromOpaque(ctx).takeUnretainedValue().value(r)
                return 0
            }, Unmanaged.passUnretained(box).toOpaque(), &err, err.count)
        }
        if rc < 0 { throw .library(Self.message(err, bridge)) }
    }

    /// Every (block, owner) pair in ifind -d's order.
    /// - Returns: true when `body` stopped the walk.
    func walkOwners(_ body: (_ block: UInt64, _ inode: UInt64, _ type: UInt32, _ id: UInt16, _ offset: Int64, _ alloc: Bool) -> Bool) throws(FileSystemError) -> Bool {
        var err = [CChar](repeating: 0, count: 512)
        typealias Fn = (UInt64, UInt64, UInt32, UInt16, Int64, Bool) -> Bool
        let rc = withoutActuallyEscaping(body) { body -> Int32 in
            let box = Box<Fn>(body)
            return cltsk_walk_owners(handle, { ctx, block, inum, type, id, off, alloc in
                guard let ctx else { return 1 }
                return Unmanaged<Box<Fn>>.fromOpaque(ctx).takeUnretainedValue().value(block, inum, type, id, off, alloc != 0) ? 1 : 0
            }, Unmanaged.passUnretained(box).toOpaque(), &err, err.count)
        }
        if rc < 0 { throw .library(Self.message(err, bridge)) }
        return rc == 1
    }

    /// The header of MFT record `entry` (NTFS), as libtsk reads it.
    func mftRecord(_ entry: UInt64) throws(FileSystemError) -> FSMFTRecord {
        var err = [CChar](repeating: 0, count: 512)
        var flags: UInt32 = 0
        var used: UInt32 = 0
        var allocated: UInt32 = 0
        let rc = cltsk_mft_record(handle, entry, &flags, &used, &allocated, &err, err.count)
        if rc < 0 { throw .library(Self.message(err, bridge)) }
        return FSMFTRecord(entry: entry, valid: rc == 0, inUse: flags & 1 != 0, usedSize: used, allocatedSize: allocated)
    }

    /// libtsk's flags of one block (nil: it cannot say).
    func status(ofBlock block: UInt64) -> FSBlockStatus {
        let f = cltsk_block_flags(handle, block)
        guard f >= 0 else { return FSBlockStatus(block: block, allocated: false, metadata: false, unknown: true) }
        return FSBlockStatus(block: block, allocated: f & 1 != 0, metadata: f & 8 != 0, unknown: f & 3 == 0)
    }
}

/// Carries a closure through a C callback's context pointer.
final class Box<T> {
    let value: T
    init(_ value: T) { self.value = value }
}
