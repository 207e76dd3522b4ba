import ArgumentParser
import FileSystems
import Inspector

/// `blkview ls`: the names in a file system, the counterpart of `fls`.
struct LsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the files of a file system in a disk or image (like fls), deleted names included.",
        discussion: """
        Each line is fls's: `r/r * 65-128-2:<TAB>docs/ledger.txt` (type from the name / from the metadata, \
        `*` deleted, the inode or MFT entry (NTFS: entry-type-id), `(realloc)` when a deleted name's \
        metadata is in use again, the path from the root). --long adds the size and the four times \
        (UTC). --json prints one JSON object per line (documented in the README). libtsk runs in a \
        worker process: a crash or a hang on hostile evidence ends the command with one line.
        """
    )

    @Argument(help: "A block device or a disk image (raw, split raw .001, EWF .E01).")
    var path: String

    @Argument(help: "A directory in the file system (default: the root).")
    var directory: String?

    @OptionGroup var location: FileSystemLocation

    @Flag(name: [.customShort("r"), .long], help: "List the subdirectories too (fls -r).")
    var recursive = false

    @Flag(help: "Only deleted names (fls -d).")
    var deleted = false

    @Flag(help: "Size and modified/accessed/changed/created times on each line.")
    var long = false

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Stop after this many entries (a guard against directory loops).")
    var maxEntries: Int = 20_000_000

    @OptionGroup var source: SourceOptions

    @OptionGroup var forensic: ForensicOptions

    func validate() throws {
        guard maxEntries > 0 else { throw ValidationError("--max-entries must be at least 1 (got \(maxEntries))") }
    }

    func run() async throws {
        try await forensic.interruptibleSession(evidence: [path]) { [self] session in
            try await withFileSystem(path, source: source, location: location, session: session,
                                     limits: FSLimits(maxEntries: maxEntries)) { fs, _, _ in
                try await list(fs)
            }
        }
    }

    private func list(_ fs: FileSystemSession) async throws {
        var start = FSDirectory.root
        var dirPrefix = ""
        if let directory, !directory.split(separator: "/").isEmpty {
            guard let e = try await fs.lookup(path: directory) else { throw failure("\(path): \(FileSystemError.notFound(directory))", status: 1) }
            guard e.isDirectory else { throw failure("\(path): '\(directory)' is not a directory", status: 1) }
            start = .inode(e.inode)
            dirPrefix = directory.split(separator: "/").joined(separator: "/") + "/"
        }
        let out = TextOutput()
        let style: EntryLines.Style = json ? .json : long ? .long : .fls
        let prefix = dirPrefix
        let end: FSWalkEnd
        do {
            // Lines are written as bytes from the worker's batches, on the reader thread.
            end = try await fs.listBatches(start, recursive: recursive, include: deleted ? .deleted : .all) { batch in
                var lines = EntryLines(style: style, prefix: prefix)
                batch.forEach { lines.append($0) }
                try out.write(bytes: lines.out)
            }
            try out.flush()
        } catch is TextOutput.ReaderGone {
            return
        }
        if end.truncated {
            throw failure("\(path): stopped after \(end.count) entries (--max-entries): a directory loop or a huge tree", status: 1)
        }
    }

    static func longLine(_ e: FSEntry) -> String {
        func t(_ x: FSTime?) -> String { x?.iso8601 ?? "-" }
        return e.flsLine + "\t\(e.size)\t\(t(e.times.modified))\t\(t(e.times.accessed))\t\(t(e.times.changed))\t\(t(e.times.created))"
    }
}

/// `ls --json`'s object, one per line (documented in the README).
enum FileEntryJSON {
    static func line(_ e: FSEntry) -> String {
        func t(_ x: FSTime?) -> String { x.map { JSONText.quote($0.iso8601) } ?? "null" }
        var s = "{\"path\":\(JSONText.quote(e.path)),\"name\":\(JSONText.quote(e.name)),\"inode\":\(e.inode),"
        s += "\"address\":\(JSONText.quote(e.address)),"
        s += "\"attr_type\":\(e.attribute.map { String($0.type) } ?? "null"),\"attr_id\":\(e.attribute.map { String($0.id) } ?? "null"),"
        s += "\"stream\":\(JSONText.quote(e.stream)),\"short_name\":\(JSONText.quote(e.shortName)),"
        s += "\"name_type\":\(JSONText.quote(e.nameType)),\"meta_type\":\(JSONText.quote(e.metaType)),"
        s += "\"deleted\":\(e.deleted),\"reallocated\":\(e.reallocated),"
        s += "\"allocated\":\(e.metaAllocated.map { String($0) } ?? "null"),\"directory\":\(e.isDirectory),"
        s += "\"size\":\(e.size),\"mode\":\(e.mode),\"uid\":\(e.uid),\"gid\":\(e.gid),\"links\":\(e.linkCount),"
        s += "\"mtime\":\(t(e.times.modified)),\"atime\":\(t(e.times.accessed)),\"ctime\":\(t(e.times.changed)),\"crtime\":\(t(e.times.created)),"
        s += "\"link_target\":\(JSONText.quote(e.linkTarget))}"
        return s
    }
}
