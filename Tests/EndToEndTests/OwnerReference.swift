import Foundation
import Synchronization
import TestSupport
import Testing

/// The relation `ifind -d` inverts, for one image: every block → the inodes
/// that claim it, in ifind's order, with the offset in the claiming
/// attribute and the inode's allocation; and every block's flags (blkstat).
/// Built once per image by `tskbatch` (below), a small C program over libtsk
/// that does ifind's own walk (ifind_lib.c's `ifind_data_act`: the inode walk
/// over allocated and unallocated inodes, each non-resident attribute walked
/// with AONLY|SLACK, sparse blocks skipped) once for every block instead of
/// once per block, and blkstat's `tsk_fs_blkstat` for every block — so that a
/// thousand blocks cost one walk. `referenceEqualsIfind` proves the relation
/// gives the real ifind's and istat's answers.
///
/// Why not istat's block lists (istat of every inode): they are not quite
/// the relation ifind walks. istat prints `0` for the sectors of a FAT
/// cluster past the file's end, and lists the ext4 resize inode's (7)
/// blocks, which ifind's walk never reports ("Inode not found"); both
/// differences were measured on these images.
struct OwnerReference: Sendable {
    struct Claim: Sendable, Equatable {
        var inode: UInt64
        /// The attribute's type and id (`128-1` on NTFS; libtsk's own types elsewhere).
        var attribute: String
        /// Offset in the attribute of the block's first byte.
        var offset: Int64
        /// Past the attribute's size (slack).
        var slack: Bool
    }

    let kind: String
    let blockSize: Int64
    /// Blocks 0..<count have flags.
    let count: Int
    /// Per block, from blkstat: `a` allocated, `f` free, `M`/`m` the same with (Meta), `?` blkstat failed.
    let flags: [UInt8]
    /// Blocks some inode claims, with every claim in ifind's order.
    let claims: [UInt64: [Claim]]
    /// The allocation of each inode that claims a block (istat's "Allocated").
    let allocated: [UInt64: Bool]

    var isNTFS: Bool { kind == "ntfs" }

    /// `ifind -d`'s answer for `block`: `65`, `65-128-2`, `Meta Data` or `Inode not found`.
    func ifind(_ block: UInt64) -> String {
        if let c = claims[block]?.first { return isNTFS ? "\(c.inode)-\(c.attribute)" : String(c.inode) }
        return Int(block) < count && (flags[Int(block)] == UInt8(ascii: "M") || flags[Int(block)] == UInt8(ascii: "m"))
            ? "Meta Data" : "Inode not found"
    }

    func flag(_ block: UInt64) -> UInt8 { Int(block) < count ? flags[Int(block)] : UInt8(ascii: "?") }

    // MARK: building

    static let directory = "/var/tmp/blkview-owner-reference"
    /// Changes when the format or the rules above change (old caches are then ignored).
    static let version = "v3"

    /// One slot per kind, so parallel tests build each reference once.
    private final class Slot: Sendable {
        let value = Mutex<OwnerReference?>(nil)
    }
    private static let slots: [String: Slot] = Dictionary(uniqueKeysWithValues: FileSystemImages.kinds.map { ($0, Slot()) })

    /// The reference of `kind`'s raw image (built once, cached by the image's SHA-256).
    static func of(_ kind: String) throws -> OwnerReference {
        guard let slot = slots[kind] else { throw TestFailure("no image kind \(kind)") }
        return try slot.value.withLock { cached throws -> OwnerReference in
            if let cached { return cached }
            let r = try load(kind)
            cached = r
            return r
        }
    }

    /// SHA-256 of `kind`'s raw image (the cache key of everything derived from it).
    static func checksum(_ kind: String) throws -> String {
        let raw = try FileSystemImages.raw(kind)
        let out = try Subprocess.checked("sha256sum", [raw]).stdout
        return String(out.prefix(64))
    }

    private static func load(_ kind: String) throws -> OwnerReference {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cache = "\(directory)/\(try checksum(kind)).\(version).ref"
        if let text = try? String(contentsOfFile: cache, encoding: .utf8), let r = parseCache(kind, text) { return r }
        let r = try build(kind)
        try r.cacheText.write(toFile: cache, atomically: true, encoding: .utf8)
        return r
    }

    private static func build(_ kind: String) throws -> OwnerReference {
        let raw = try FileSystemImages.raw(kind)
        let tool = try TSKBatch.binary()
        let walk = try Subprocess.checked(tool, [raw, "walk"]).stdout
        let blkstat = try Subprocess.checked(tool, [raw, "blkstat"]).stdout
        var (bs, flags) = (Int64(0), [UInt8]())
        var current: Int?
        for line in blkstat.split(separator: "\n") {
            if line.hasPrefix("@@ info ") {
                let f = line.split(separator: " ")
                bs = Int64(f[2]) ?? 0
                flags = [UInt8](repeating: UInt8(ascii: "?"), count: (Int(f[3]) ?? -1) + 1)
            } else if line.hasPrefix("@@ ") {
                current = Int(line.dropFirst(3))
            } else if let b = current, b < flags.count {
                let meta = line.hasSuffix("(Meta)")
                if line.hasPrefix("Allocated") { flags[b] = UInt8(ascii: meta ? "M" : "a") }
                if line.hasPrefix("Not Allocated") { flags[b] = UInt8(ascii: meta ? "m" : "f") }
            }
        }
        guard bs > 0, !flags.isEmpty else { throw TestFailure("tskbatch blkstat on \(raw): no geometry") }
        // walk: `block inode type id offset size alloc`, in the inode walk's order.
        var claims: [UInt64: [Claim]] = [:]
        var allocated: [UInt64: Bool] = [:]
        for line in walk.split(separator: "\n") {
            let w = line.split(separator: " ")
            guard w.count == 7, let b = UInt64(w[0]), let i = UInt64(w[1]), let off = Int64(w[4]), let size = Int64(w[5]) else {
                throw TestFailure("tskbatch walk on \(raw): '\(line.prefix(80))'")
            }
            claims[b, default: []].append(Claim(inode: i, attribute: "\(w[2])-\(w[3])", offset: off, slack: off >= size))
            allocated[i] = w[6] == "1"
        }
        return OwnerReference(kind: kind, blockSize: bs, count: flags.count, flags: flags, claims: claims, allocated: allocated)
    }

    // MARK: cache

    private var cacheText: String {
        var s = "\(Self.version) \(kind) \(blockSize) \(count)\n"
        s += "F " + String(decoding: flags, as: UTF8.self) + "\n"
        for (i, a) in allocated.sorted(by: { $0.key < $1.key }) { s += "A \(i) \(a ? 1 : 0)\n" }
        for (b, cs) in claims.sorted(by: { $0.key < $1.key }) {
            for c in cs { s += "C \(b) \(c.inode) \(c.attribute) \(c.offset) \(c.slack ? 1 : 0)\n" }
        }
        return s
    }

    private static func parseCache(_ kind: String, _ text: String) -> OwnerReference? {
        var lines = text.split(separator: "\n")[...]
        guard let head = lines.popFirst()?.split(separator: " "), head.count == 4, head[0] == version, head[1] == kind,
              let bs = Int64(head[2]), let count = Int(head[3]), let f = lines.popFirst(), f.hasPrefix("F ") else { return nil }
        let flags = Array(f.dropFirst(2).utf8)
        guard flags.count == count else { return nil }
        var claims: [UInt64: [Claim]] = [:]
        var allocated: [UInt64: Bool] = [:]
        for l in lines {
            let w = l.split(separator: " ")
            if w.first == "A", w.count == 3, let i = UInt64(w[1]) {
                allocated[i] = w[2] == "1"
            } else if w.first == "C", w.count == 6, let b = UInt64(w[1]), let i = UInt64(w[2]), let x = Int64(w[4]) {
                claims[b, default: []].append(Claim(inode: i, attribute: String(w[3]), offset: x, slack: w[5] == "1"))
            } else {
                return nil
            }
        }
        return OwnerReference(kind: kind, blockSize: bs, count: count, flags: flags, claims: claims, allocated: allocated)
    }
}

/// A small C program over libtsk, compiled once (with the toolchain's clang,
/// against libtsk-dev) into the reference cache:
/// - `walk`: ifind -d's walk (ifind_lib.c) for every block at once: one line
///   `block inode type id offset size alloc` per block an attribute claims;
/// - `blkstat`: `tsk_fs_blkstat` (what blkstat prints) for every block.
enum TSKBatch {
    static let source = #"""
    // ifind's walk and blkstat over a whole image in one process.
    #include <tsk/libtsk.h>
    #include <stdio.h>
    #include <string.h>
    typedef struct { unsigned long long inum; unsigned type, id; long long size; int alloc; } cur_t;
    static TSK_WALK_RET_ENUM block_act(TSK_FS_FILE *f, TSK_OFF_T off, TSK_DADDR_T addr, char *buf, size_t len,
                                       TSK_FS_BLOCK_FLAG_ENUM flags, void *ptr) {
        (void)f; (void)buf; (void)len;
        const cur_t *c = ptr;
        if (flags & TSK_FS_BLOCK_FLAG_SPARSE) return TSK_WALK_CONT;  // ifind: not on disk
        printf("%llu %llu %u %u %lld %lld %d\n", (unsigned long long)addr, c->inum, c->type, c->id, (long long)off, c->size, c->alloc);
        return TSK_WALK_CONT;
    }
    static TSK_WALK_RET_ENUM inode_act(TSK_FS_FILE *f, void *ptr) {
        cur_t *c = ptr;
        c->inum = f->meta->addr;
        c->alloc = (f->meta->flags & TSK_FS_META_FLAG_ALLOC) ? 1 : 0;
        int cnt = tsk_fs_file_attr_getsize(f);
        for (int i = 0; i < cnt; i++) {
            const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
            if (!a) continue;
            c->type = (unsigned)a->type;
            c->id = a->id;
            c->size = (long long)a->size;
            if ((a->flags & TSK_FS_ATTR_NONRES) &&
                tsk_fs_attr_walk(a, (TSK_FS_FILE_WALK_FLAG_ENUM)(TSK_FS_FILE_WALK_FLAG_AONLY | TSK_FS_FILE_WALK_FLAG_SLACK), block_act, c))
                tsk_error_reset();  // ifind ignores an attribute it cannot walk
        }
        return TSK_WALK_CONT;
    }
    int main(int argc, char **argv) {
        if (argc != 3) { fprintf(stderr, "usage: tskbatch IMAGE walk|blkstat\n"); return 2; }
        TSK_IMG_INFO *img = tsk_img_open_sing(argv[1], TSK_IMG_TYPE_DETECT, 0);
        if (!img) { tsk_error_print(stderr); return 1; }
        TSK_FS_INFO *fs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
        if (!fs) { tsk_error_print(stderr); return 1; }
        if (strcmp(argv[2], "walk") == 0) {
            cur_t c;
            memset(&c, 0, sizeof c);
            if (fs->inode_walk(fs, fs->first_inum, fs->last_inum,
                               (TSK_FS_META_FLAG_ENUM)(TSK_FS_META_FLAG_ALLOC | TSK_FS_META_FLAG_UNALLOC), inode_act, &c)) {
                tsk_error_print(stderr);
                return 1;
            }
        } else {
            printf("@@ info %u %llu\n", fs->block_size, (unsigned long long)fs->last_block);
            for (TSK_DADDR_T b = 0; b <= fs->last_block; b++) {
                printf("@@ %llu\n", (unsigned long long)b);
                fflush(stdout);
                if (tsk_fs_blkstat(fs, b)) { printf("@@ error\n"); tsk_error_reset(); }
                fflush(stdout);
            }
        }
        tsk_fs_close(fs);
        tsk_img_close(img);
        return 0;
    }
    """#
    static let compiler: String? = ["clang", "cc"].first { Capability.has($0) }

    private static let built = Mutex<String?>(nil)

    /// The compiled program's path.
    static func binary() throws -> String {
        try built.withLock { path throws -> String in
            if let path { return path }
            guard let cc = compiler else { throw TestFailure("no C compiler (clang or cc) for tskbatch") }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in source.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            let dir = OwnerReference.directory
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let bin = "\(dir)/tskbatch-\(String(h, radix: 16))"
            if !FileManager.default.isExecutableFile(atPath: bin) {
                let src = bin + ".c"
                try source.write(toFile: src, atomically: true, encoding: .utf8)
                try Subprocess.checked(cc, ["-O1", "-o", bin + ".tmp", src, "-ltsk"])
                guard rename(bin + ".tmp", bin) == 0 else { throw TestFailure("cannot rename \(bin).tmp") }
            }
            path = bin
            return bin
        }
    }
}
