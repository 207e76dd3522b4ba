import ArgumentParser
import BlockDevice
import FileSystems
import Glibc
import Inspector

/// `blkview cat`: a file's bytes, the counterpart of `icat`.
struct CatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Write a file's content from a file system in a disk or image (like icat), deleted files included.",
        discussion: """
        Name the file by --inode (65, or on NTFS 65-128-2 for one stream) or by its path in the file \
        system. The bytes equal icat's: sparse runs come out as zeros (holes in -o FILE), --slack adds the \
        bytes after the end of the file up to the end of its last block. A deleted file is recovered as \
        far as its metadata allows (libtsk's recovery: FAT assumes contiguous clusters; NTFS keeps runs; \
        ext4 clears its block map). Under --forensic, -o refuses a destination in the evidence's \
        directory and the session log records the export with its SHA-256.
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Argument(help: "The file's path in the file system (or use --inode).")
    var file: String?

    @Option(help: "The inode or MFT entry (65, or 65-128-2 for one NTFS attribute).")
    var inode: String?

    @OptionGroup var location: FileSystemLocation

    @Flag(help: "Include the slack space after the end of the file (icat -s).")
    var slack = false

    @Flag(help: "Print where the file lives (its runs: block ranges, sparse runs, resident NTFS data) instead of its bytes.")
    var runs = false

    @Option(name: [.customShort("o"), .long], help: "Write to this file instead of standard output.")
    var output: String?

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func validate() throws {
        if (file == nil) == (inode == nil) { throw ValidationError("name the file either by its path or with --inode, not both") }
        if let inode, Self.parseAddress(inode) == nil {
            throw ValidationError("--inode must be a number such as 65, or 65-128-2 on NTFS (got '\(inode)')")
        }
    }

    /// `65` or `65-128-2` (inode, attribute type, attribute id).
    static func parseAddress(_ s: String) -> (UInt64, FSAttribute?)? {
        let p = s.split(separator: "-", omittingEmptySubsequences: false)
        guard let i = UInt64(p[0]) else { return nil }
        if p.count == 1 { return (i, nil) }
        guard p.count == 3, let t = UInt32(p[1]), let id = UInt16(p[2]) else { return nil }
        return (i, FSAttribute(type: t, id: id))
    }

    func run() async throws {
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await withFileSystem(path, source: source, location: location, session: session) { fs, media, label in
                try await cat(fs, media: media, label: label, session: session)
            }
        }
    }

    private func cat(_ fs: FileSystemSession, media: MediaReader, label: String, session: ForensicSession?) async throws {
        let inum: UInt64
        var attribute: FSAttribute?
        var name = inode ?? ""
        if let inode, let a = Self.parseAddress(inode) {
            (inum, attribute) = a
        } else if let file {
            guard let e = try await fs.lookup(path: file) else { throw failure("\(path): \(FileSystemError.notFound(file))", status: 1) }
            inum = e.inode
            name = file
        } else { return }
        if runs {
            print(Self.describe(try await fs.runs(inode: inum), info: fs.info), terminator: "")
            return
        }
        let options = FSReadOptions(slack: slack, attribute: attribute)
        if let output {
            let dest = try ExportFile(path: output, evidence: session.map { _ in media.source.files })
            let n = try await fs.read(inode: inum, options: options) { c in
                if c.sparse { try dest.hole(at: c.offset, length: Int64(c.bytes.count)) } else {
                    try c.bytes.withUnsafeBytes { try dest.write($0, at: c.offset) }
                }
            }
            let sha = try dest.finish(size: n)
            session?.note("exported \(label) inode \(inum)\(attribute.map { "-\($0.type)-\($0.id)" } ?? "") (\(name)) of \(path)"
                + "\(slack ? " with slack" : "") to \(output): \(n) bytes, sha256 \(sha)")
            return
        }
        signal(SIGPIPE, SIG_IGN)
        do {
            try await fs.read(inode: inum, options: options) { c in
                try c.bytes.withUnsafeBytes { p in
                    var done = 0
                    while done < p.count {
                        let r = Glibc.write(1, p.baseAddress! + done, p.count - done)
                        if r < 0 {
                            if errno == EINTR { continue }
                            if errno == EPIPE { throw TextOutput.ReaderGone() }
                            throw CLIError("cannot write to standard output: \(String(cString: strerror(errno)))")
                        }
                        done += r
                    }
                }
            }
        } catch is TextOutput.ReaderGone {
            return
        }
    }

    /// One line per run: `128-2 size 1234: blocks 100-103 (4) at file block 0 (media 0x64000)`.
    static func describe(_ runs: [FSRun], info: FSInfo) -> String {
        var out = ""
        for r in runs {
            var l = "\(r.attribute.type)-\(r.attribute.id)\(r.attributeName.map { " " + $0 } ?? "") size \(r.attributeSize): "
            switch r.kind {
            case .blocks:
                let media = info.mediaOffset(block: r.block).map { " (media 0x\(String($0, radix: 16)))" } ?? ""
                l += "blocks \(r.block)-\(r.block &+ r.length &- 1) (\(r.length)) at file block \(r.fileBlock)\(media)"
            case .sparse: l += "sparse, \(r.length) blocks at file block \(r.fileBlock)"
            case .filler: l += "not stored (filler: a hole or a lost run), \(r.length) blocks at file block \(r.fileBlock)"
            case .resident:
                l += "resident, \(r.length) bytes in the MFT record"
                if let o = r.residentOffset { l += " at media 0x\(String(info.offset + o, radix: 16))" }
            }
            out += l + "\n"
        }
        return out
    }
}
