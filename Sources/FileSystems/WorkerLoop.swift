internal import CLibTSK

/// Answers requests on the worker's libtsk thread. Each request ends with a
/// `done` frame or a `failure` frame.
struct WorkerLoop {
    let volume: TSKVolume
    let out: FrameOutput
    private var w = FrameWriter()
    private var input = LineInput(fd: 0)

    init(volume: TSKVolume, out: FrameOutput) {
        self.volume = volume
        self.out = out
    }

    mutating func run() {
        while let line = input.next() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let op = f.first else { continue }
            if op == "quit" { return }
            do {
                try handle(op, Array(f.dropFirst()))
            } catch {
                w.removeAll()
                out.fail("\(error)")
            }
        }
    }

    private mutating func flushIfBig() {
        if w.bytes.count >= 1 << 16 { out.flush(&w) }
    }

    private mutating func done(_ count: UInt64, _ note: String? = nil) {
        w.begin(.done)
        w.field(count)
        w.field(note)
        w.end()
        out.flush(&w)
    }

    private func number<T: FixedWidthInteger>(_ f: [String], _ i: Int, _: T.Type = T.self) throws(FileSystemError) -> T {
        guard i < f.count, let v = T(f[i]) else { throw .protocolError("bad request field \(i)") }
        return v
    }

    private mutating func handle(_ op: String, _ f: [String]) throws(FileSystemError) {
        switch op {
        case "ls":
            // ls DIR|- FLAGS(bit0 alloc, bit1 deleted, bit2 recurse) MAX
            let dir: UInt64? = f.first == "-" ? nil : try number(f, 0)
            let flags: Int = try number(f, 1)
            let max: Int = try number(f, 2)
            try list(dir, flags: flags, max: max)
        case "stat":
            let inode: UInt64 = try number(f, 0)
            try volume.stat(inode) { e in entry(e, parent: "", name: "") }
            done(1)
        case "lookup":
            guard let path = f.first else { throw .protocolError("lookup without a path") }
            guard let inode = try volume.inode(ofPath: path) else { done(0); return }
            let name = String(path.split(separator: "/").last ?? "")
            try volume.stat(inode) { e in entry(e, parent: "", name: name) }
            done(1)
        case "runs":
            let inode: UInt64 = try number(f, 0)
            var n: UInt64 = 0
            try volume.runs(inode) { r in
                run(r.pointee)
                n += 1
            }
            done(n)
        case "read":
            // read INODE TYPE|-1 ID|-1 SLACK MAXBYTES
            let inode: UInt64 = try number(f, 0)
            let type: Int64 = try number(f, 1)
            let id: Int64 = try number(f, 2)
            let slack: Int = try number(f, 3)
            let maxBytes: Int64 = try number(f, 4)
            try read(inode, type: type, id: id, slack: slack == 1, maxBytes: maxBytes)
        case "find":
            // ifind -d for one block: the first owner in inode order, then stop.
            let target: UInt64 = try number(f, 0)
            var hit: (UInt64, UInt32, UInt16, Int64, Bool)?
            _ = try volume.walkOwners { block, inode, type, id, off, alloc in
                guard block == target else { return false }
                hit = (inode, type, id, off, alloc)
                return true
            }
            if let (inode, type, id, off, alloc) = hit {
                w.begin(.extent)
                w.field(target)
                w.field(UInt64(1))
                w.field(inode)
                w.field(type)
                w.field(id)
                w.field(off)
                w.field(alloc)
                w.end()
            }
            done(hit == nil ? 0 : 1)
        case "map":
            let maxBlocks: UInt64 = try number(f, 0)
            try ownerMap(maxBlocks: maxBlocks)
        case "status":
            for s in f {
                guard let b = UInt64(s) else { throw .protocolError("bad block '\(s.prefix(30))'") }
                let st = volume.status(ofBlock: b)
                w.begin(.status)
                w.field(st.block)
                w.field(st.allocated)
                w.field(st.metadata)
                w.field(st.unknown)
                w.end()
            }
            done(UInt64(f.count))
        case "mft":
            // mft ENTRY: the header of one MFT record (for naming MFT slack).
            let r = try volume.mftRecord(try number(f, 0))
            w.begin(.record)
            w.field(r.entry)
            w.field(r.valid)
            w.field(r.inUse)
            w.field(r.usedSize)
            w.field(r.allocatedSize)
            w.end()
            done(1)
        default:
            throw .protocolError("unknown request '\(op.prefix(20))'")
        }
    }

    /// One entry frame, binary (decoded by `FSEntryBatch.append(frame:)`):
    /// u64 inode · u8 flags (1 attribute, 2 deleted, 4 metadata, 8 metadata
    /// allocated, 16 directory) · u32 attribute type · u16 attribute id · u8
    /// name type · u8 metadata type · i64 size · u32 mode, uid, gid · i32 links
    /// · 4 × (i64 seconds, u32 nanoseconds): modified, accessed, changed,
    /// created · strings: parent, name, short name, stream, link target.
    private mutating func entry(_ p: UnsafePointer<cltsk_entry>, parent: String? = nil, name: String? = nil) {
        let e = p.pointee
        w.begin(.entry)
        w.packed(capacity: 128) { f in
            f.le(e.inum)
            var flags: UInt8 = 0
            if e.has_attr != 0 { flags |= 1 }
            if e.name_unalloc != 0 { flags |= 2 }
            if e.has_meta != 0 { flags |= 4 }
            if e.meta_alloc != 0 { flags |= 8 }
            if e.meta_is_dir != 0 { flags |= 16 }
            f.u8(flags)
            f.le(e.attr_type)
            f.le(e.attr_id)
            f.u8(UInt8(bitPattern: e.name_type))
            f.u8(UInt8(bitPattern: e.meta_type))
            f.le(e.size)
            f.le(e.mode)
            f.le(e.uid)
            f.le(e.gid)
            f.le(e.nlink)
            f.le(e.mtime)
            f.le(e.mtime_nano)
            f.le(e.atime)
            f.le(e.atime_nano)
            f.le(e.ctime)
            f.le(e.ctime_nano)
            f.le(e.crtime)
            f.le(e.crtime_nano)
        }
        if let parent { w.blob(parent) } else { w.blob(cString: e.parent) }
        if let name { w.blob(name) } else { w.blob(cString: e.name) }
        w.blob(cString: e.short_name)
        w.blob(cString: e.stream)
        w.blob(cString: e.link)
        w.end()
    }

    private mutating func list(_ dir: UInt64?, flags: Int, max: Int) throws(FileSystemError) {
        var count = 0
        var hitLimit = false
        let stopped = try volume.walk(directory: dir, recursive: flags & 4 != 0, allocated: flags & 1 != 0,
                                      deleted: flags & 2 != 0) { e in
            if count >= max { hitLimit = true; return true }
            entry(e)
            count += 1
            flushIfBig()
            return false
        }
        done(UInt64(count), stopped && hitLimit ? "limit" : nil)
    }

    private mutating func run(_ r: cltsk_run) {
        w.begin(.run)
        w.field(r.attr_type)
        w.field(r.attr_id)
        w.field(cString: r.attr_name)
        w.field(r.attr_size)
        w.field(r.resident != 0 ? "resident" : r.sparse != 0 ? "sparse" : r.filler != 0 ? "filler" : "blocks")
        w.field(r.offset)
        w.field(r.addr)
        w.field(r.len)
        w.field(r.resident_offset)
        w.end()
    }

    private mutating func read(_ inode: UInt64, type: Int64, id: Int64, slack: Bool, maxBytes: Int64) throws(FileSystemError) {
        var size: Int64 = 0
        try volume.stat(inode) { e in size = e.pointee.size }
        if size < 0 || size > maxBytes {
            throw .limit("inode \(inode) says it holds \(size) bytes: more than the \(maxBytes)-byte limit (hostile or damaged metadata?)")
        }
        // FAT, exFAT and ISO 9660 have no sparse files: a file larger than the
        // volume is damaged or hostile metadata, not data to copy.
        let info = volume.info
        let volumeBytes = info.blockCount.multipliedReportingOverflow(by: UInt64(info.blockSize))
        let noHoles = info.type.hasPrefix("fat") || info.type.hasPrefix("exfat") || info.type.hasPrefix("iso9660")
        if noHoles, !volumeBytes.overflow, UInt64(size) > volumeBytes.partialValue {
            throw .limit("inode \(inode) says it holds \(size) bytes on a \(volumeBytes.partialValue)-byte \(info.type) volume: damaged or hostile metadata, not read")
        }
        let attribute: FSAttribute? = type >= 0 ? FSAttribute(type: UInt32(clamping: type), id: UInt16(clamping: max(0, id))) : nil
        var total: Int64 = 0
        var over = false
        _ = try volume.read(inode, attribute: attribute, anyID: id < 0, slack: slack) { off, addr, bytes, raw, sparse, resident in
            total += Int64(bytes.count)
            if total > maxBytes { over = true; return true }
            w.begin(.data)
            w.raw64(UInt64(bitPattern: off))
            w.raw64(addr)
            w.raw64(UInt64((raw ? 4 : 0) | (sparse ? 1 : 0) | (resident ? 2 : 0)))
            if !sparse { w.raw(bytes) } else { w.raw64(UInt64(bytes.count)) }
            w.end()
            flushIfBig()
            return false
        }
        if over { throw .limit("inode \(inode) yields more than \(maxBytes) bytes: stopped") }
        done(UInt64(total))
    }

    /// The owner map as packed extent frames (see `Decode.extents`), with
    /// progress frames between them. The `done` note: `CROSS OUTSIDE`.
    private mutating func ownerMap(maxBlocks: UInt64) throws(FileSystemError) {
        let info = volume.info
        let last = info.lastBlock
        guard last < maxBlocks else {
            throw .limit("the file system claims \(last &+ 1) blocks: more than the \(maxBlocks)-block limit of an owner map")
        }
        var claimed = [UInt64](repeating: 0, count: Int(last / 64 + 1))
        var cross: UInt64 = 0
        var outside: UInt64 = 0
        var cur = ExtentRun(block: 0, count: 0, inode: 0, type: 0, id: 0, off: 0, alloc: false)
        var lastInode: UInt64 = .max
        var extents: UInt64 = 0
        var inFrame = 0
        let bs = Int64(info.blockSize)
        func put(_ w: inout FrameWriter, _ c: ExtentRun) {
            if inFrame == 0 { w.begin(.extents) }
            w.le(c.block)
            w.le(c.count)
            w.le(c.inode)
            w.le(c.type)
            w.le(c.id)
            w.le(c.off)
            w.u8(c.alloc ? 1 : 0)
            inFrame += 1
            extents += 1
        }
        _ = try volume.walkOwners { block, inode, type, id, off, alloc in
            if inode != lastInode {
                lastInode = inode
                if inode % 4096 == 0 {
                    if inFrame > 0 { w.end(); inFrame = 0 }
                    w.begin(.progress)
                    w.field(inode)
                    w.field(info.lastInode)
                    w.end()
                }
            }
            guard block <= last else { outside &+= 1; return false }
            let word = Int(block / 64)
            let bit = UInt64(1) << (block % 64)
            if claimed[word] & bit != 0 { cross &+= 1; return false }
            claimed[word] |= bit
            if cur.count > 0, cur.inode == inode, cur.type == type, cur.id == id, cur.alloc == alloc, cur.block &+ cur.count == block,
               cur.off &+ Int64(cur.count) &* bs == off {
                cur.count += 1
                return false
            }
            if cur.count > 0 {
                put(&w, cur)
                if inFrame >= 1024 { w.end(); inFrame = 0; flushIfBig() }
            }
            cur = ExtentRun(block: block, count: 1, inode: inode, type: type, id: id, off: off, alloc: alloc)
            return false
        }
        if cur.count > 0 { put(&w, cur) }
        if inFrame > 0 { w.end(); inFrame = 0 }
        done(extents, "\(cross) \(outside)")
    }
}

/// Consecutive blocks of one attribute at consecutive offsets, while the owner map is built.
private struct ExtentRun {
    var block: UInt64
    var count: UInt64
    var inode: UInt64
    var type: UInt32
    var id: UInt16
    var off: Int64
    var alloc: Bool
}
