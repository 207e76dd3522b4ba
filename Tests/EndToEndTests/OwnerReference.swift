import Foundation
import Synchronization
import TestSupport
import Testing

/// The relation `ifind -d` inverts, for one image: every block → the inodes
/// whose blocks include it, in ifind's order (inodes ascending, then as istat
/// lists them), and every block's flags. Built from The Sleuth Kit's own
/// answers — `ils -e` for the inodes (the inode walk ifind does), istat of
/// each of them for its blocks, blkstat of each block for allocation and
/// metadata — so that a thousand blocks cost one walk, not a thousand.
///
/// istat and blkstat run through `tskbatch` (below): the very library calls
/// the two tools make (`fs->istat`, `tsk_fs_blkstat`) in one process per
/// image instead of one per inode; `referenceToolOutputIsTheTools` proves
/// its output byte-equal to the tools', `referenceEqualsIfind` proves the
/// relation equal to ifind's answers.
///
/// What istat lists and ifind walks differ in two places, both fixed here:
/// - istat stops at the file's size and prints `0` for the rest of the last
///   cluster; ifind walks that slack (TSK_FS_FILE_WALK_FLAG_SLACK). On FAT
///   and exFAT (blocks are sectors, clusters are contiguous) a `0` after a
///   sector is the next sector of its cluster.
/// - Elsewhere a `0` is a hole (sparse; ifind skips it), except NTFS
///   cluster 0, which `$Boot` (MFT entry 7) holds.
struct OwnerReference: Sendable {
    struct Claim: Sendable, Equatable {
        var inode: UInt64
        /// NTFS `type-id` of the attribute ("" elsewhere).
        var attribute: String
        /// Which of istat's lists: `d` direct, `i` indirect, `s` sectors, or the NTFS attribute.
        var list: String
        /// Position in that list: the block holds bytes `index × blockSize` of the list's data.
        var index: Int64
        /// A sector of a FAT cluster's slack (istat prints `0` for it).
        var slack: Bool
    }

    let kind: String
    let blockSize: Int64
    /// Blocks 0..<count have flags.
    let count: Int
    /// Per block, from blkstat: `a` allocated, `f` free, `M`/`m` the same with (Meta), `?` blkstat failed.
    let flags: [UInt8]
    /// Blocks some inode lists, with every claim in ifind's order.
    let claims: [UInt64: [Claim]]
    /// istat's allocation of each inode that claims a block.
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
    static let version = "v2"

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
        let inodes = try Subprocess.checked("ils", ["-e", raw]).stdout.split(separator: "\n").dropFirst(3)
            .compactMap { $0.split(separator: "|").first.flatMap { UInt64($0) } }
        let istat = try Subprocess.checked(tool, [raw, "istat"], input: inodes.map(String.init).joined(separator: "\n")).stdout
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
        let (claims, allocated) = parseIstat(istat, kind: kind)
        return OwnerReference(kind: kind, blockSize: bs, count: flags.count, flags: flags, claims: claims, allocated: allocated)
    }

    /// istat's lists of blocks, per inode (see the type's note for `0`).
    static func parseIstat(_ text: String, kind: String) -> ([UInt64: [Claim]], [UInt64: Bool]) {
        let fat = kind.hasPrefix("fat") || kind == "exfat"
        var claims: [UInt64: [Claim]] = [:]
        var allocated: [UInt64: Bool] = [:]
        var inode: UInt64?
        var list: String?
        var attribute = ""
        var index: Int64 = 0
        var previous: UInt64?
        var alloc = true
        var claimed = false
        func close() {
            if let inode, claimed { allocated[inode] = alloc }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("@@ ") {
                close()
                inode = UInt64(line.dropFirst(3))
                list = nil
                alloc = true
                claimed = false
                continue
            }
            guard let ino = inode else { continue }
            if line == "Not Allocated" || line.hasPrefix("Not Allocated ") { alloc = false }
            if line.hasPrefix("Type: ") {
                list = nil
                if line.contains("Non-Resident"), let open = line.firstIndex(of: "("), let close = line[open...].firstIndex(of: ")") {
                    attribute = String(line[line.index(after: open)..<close])
                    list = attribute
                    index = 0
                    previous = nil
                }
                continue
            }
            if line == "Direct Blocks:" || line == "Indirect Blocks:" || line == "Sectors:" {
                list = String(line.prefix(1)).lowercased()
                attribute = ""
                index = 0
                previous = nil
                continue
            }
            guard let l = list else { continue }
            let words = line.split(separator: " ")
            guard !words.isEmpty, words.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { list = nil; continue }
            for w in words {
                guard var block = UInt64(w) else { continue }
                var slack = false
                if block == 0 {
                    if fat, let p = previous {
                        block = p + 1
                        slack = true
                    } else if !(fat || (kind == "ntfs" && ino == 7)) {
                        index += 1  // a hole: owns nothing, keeps its place
                        continue
                    }
                }
                claims[block, default: []].append(Claim(inode: ino, attribute: attribute, list: l, index: index, slack: slack))
                claimed = true
                previous = block
                index += 1
            }
        }
        close()
        // ifind's order: inodes ascending (istat ran in ils's order, which is that), stable within an inode.
        for (b, c) in claims where c.count > 1 {
            claims[b] = c.enumerated().sorted { ($0.element.inode, $0.offset) < ($1.element.inode, $1.offset) }.map(\.element)
        }
        return (claims, allocated)
    }

    // MARK: cache

    private var cacheText: String {
        var s = "\(Self.version) \(kind) \(blockSize) \(count)\n"
        s += "F " + String(decoding: flags, as: UTF8.self) + "\n"
        for (i, a) in allocated.sorted(by: { $0.key < $1.key }) { s += "A \(i) \(a ? 1 : 0)\n" }
        for (b, cs) in claims.sorted(by: { $0.key < $1.key }) {
            for c in cs { s += "C \(b) \(c.inode) \(c.attribute.isEmpty ? "-" : c.attribute) \(c.list) \(c.index) \(c.slack ? 1 : 0)\n" }
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
            } else if w.first == "C", w.count == 7, let b = UInt64(w[1]), let i = UInt64(w[2]), let x = Int64(w[5]) {
                claims[b, default: []].append(Claim(inode: i, attribute: w[3] == "-" ? "" : String(w[3]), list: String(w[4]), index: x, slack: w[6] == "1"))
            } else {
                return nil
            }
        }
        return OwnerReference(kind: kind, blockSize: bs, count: count, flags: flags, claims: claims, allocated: allocated)
    }
}

/// A small C program over libtsk that runs istat (`fs->istat`) for every inode
/// on stdin, or blkstat (`tsk_fs_blkstat`) for every block, with one image
/// open: what the tools print, without a process per inode. Compiled once
/// (with the toolchain's clang, against libtsk-dev) into the reference cache.
enum TSKBatch {
    static let source = #"""
    // istat and blkstat over many inodes or blocks in one process: the very
    // library calls the istat and blkstat tools make, with one image open.
    #include <tsk/libtsk.h>
    #include <stdio.h>
    #include <string.h>
    int main(int argc, char **argv) {
        if (argc != 3) { fprintf(stderr, "usage: tskbatch IMAGE istat|blkstat\n"); return 2; }
        TSK_IMG_INFO *img = tsk_img_open_sing(argv[1], TSK_IMG_TYPE_DETECT, 0);
        if (!img) { tsk_error_print(stderr); return 1; }
        TSK_FS_INFO *fs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
        if (!fs) { tsk_error_print(stderr); return 1; }
        if (strcmp(argv[2], "istat") == 0) {
            unsigned long long n;
            while (scanf("%llu", &n) == 1) {
                printf("@@ %llu\n", n);
                fflush(stdout);
                if (fs->istat(fs, TSK_FS_ISTAT_NONE, stdout, (TSK_INUM_T)n, 0, 0)) { fflush(stdout); printf("@@ error\n"); tsk_error_reset(); }
                fflush(stdout);
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
