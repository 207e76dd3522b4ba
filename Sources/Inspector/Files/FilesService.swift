import BlockDevice
import DiskFormats
import FileSystems
import LinuxAIO

/// How the viewer starts its file-system workers: the media as the user
/// named it and the worker's media options (the batch commands' own).
public struct FilesConfiguration: Sendable {
    public var media: String
    public var sourceArguments: [String]
    public var executable: String

    public init(media: String, sourceArguments: [String] = [], executable: String = "/proc/self/exe") {
        self.media = media
        self.sourceArguments = sourceArguments
        self.executable = executable
    }
}

/// The Files panel's and the owner line's background work: one browsing
/// worker per file system (interactive reads) for listings, runs, stats and
/// block flags, and one mapping worker (the read path's background class)
/// that builds the block → owner map and the inode → names table, with
/// progress and cancel. Results come back as events; nothing here blocks
/// the render loop (`track` and `perform` only start tasks).
final class FilesService: Sendable {
    private let config: FilesConfiguration
    let wake: @Sendable () -> Void
    private let inbox = Protected<[ViewerEvent]>([])
    let volumes = Protected<[Int64: VolumeSlot]>([:])
    /// The selected entry's runs: only the latest request matters.
    private let runsQueue = Protected<(running: Bool, next: (Int64, FSEntry)?)>((false, nil))
    /// The owner lookup of the cursor's byte (debounced).
    let lookup = Protected<Int64?>(nil)
    /// `p2`, `disk`: how the status bar names each file system.
    let places = Protected<[Int64: String]>([:])
    /// How long the cursor rests before a lookup that needs the worker.
    static let restNanoseconds: UInt64 = 150_000_000

    /// The viewer's read path: ext's group descriptors are read through it.
    let reader: MediaReader?
    /// ext inode tables by file-system offset (read once; nil inside: not ext or unreadable).
    let extTables = Protected<[Int64: ExtInodeTables?]>([:])

    init(_ config: FilesConfiguration, reader: MediaReader? = nil, wake: @escaping @Sendable () -> Void) {
        self.config = config
        self.reader = reader
        self.wake = wake
    }

    func takeEvents() -> [ViewerEvent] {
        inbox.withLock { q in defer { q.removeAll() }; return q }
    }

    func post(_ e: FilesEvent) {
        inbox.withLock { $0.append(.files(e)) }
        wake()
    }

    func spec(_ offset: Int64, interactive: Bool) -> FileSystemSpec {
        FileSystemSpec(media: config.media, offset: offset, sourceArguments: config.sourceArguments,
                       executable: config.executable, interactive: interactive)
    }

    /// The browsing session of the file system at `offset` (opened once, shared).
    func session(_ offset: Int64) async throws -> FileSystemSession {
        let slot = volumes.withLock { v -> VolumeSlot in
            if let s = v[offset] { return s }
            let spec = spec(offset, interactive: true)
            let s = VolumeSlot(browse: Task { try await FileSystemSession.open(spec) })
            v[offset] = s
            return s
        }
        return try await slot.browse.value
    }

    func perform(_ r: FilesRequest) {
        switch r {
        case let .open(off, place):
            places.withLock { $0[off] = place }
            Task {
                do { post(.opened(fsOffset: off, try await session(off).info)) } catch { post(.openFailed(fsOffset: off, "\(error)")) }
            }
        case let .list(off, dir):
            Task {
                do {
                    let fs = try await session(off)
                    let (entries, end) = try await fs.entries(.inode(dir))
                    post(.listed(fsOffset: off, directory: dir, entries, error: end.truncated ? "stopped at the entry limit" : nil))
                } catch {
                    post(.listed(fsOffset: off, directory: dir, [], error: "\(error)"))
                }
            }
        case let .runs(off, entry):
            let start = runsQueue.withLock { q -> Bool in
                q.next = (off, entry)
                if q.running { return false }
                q.running = true
                return true
            }
            if start { Task { await drainRuns() } }
        case let .buildMap(off):
            buildMap(off)
        case let .cancelMap(off):
            let task = volumes.withLock { $0[off]?.mapper }
            guard let task else {
                post(.map(fsOffset: off, OwnerMapStatus(label: "", phase: .failed("no map is being built"))))
                return
            }
            task.cancel()
        }
    }

    private func drainRuns() async {
        while let (off, entry) = runsQueue.withLock({ q -> (Int64, FSEntry)? in
            guard let n = q.next else { q.running = false; return nil }
            q.next = nil
            return n
        }) {
            do {
                let fs = try await session(off)
                let runs = try await fs.runs(inode: entry.inode)
                var record: Int64?
                if fs.info.isNTFS, runs.contains(where: { $0.kind == .resident }) { record = try? await mftRecord(entry.inode, fs) }
                post(.runs(fsOffset: off, entry: entry, runs, record: record, error: nil))
            } catch {
                post(.runs(fsOffset: off, entry: entry, [], record: nil, error: "\(error)"))
            }
        }
    }

    /// The media offset of MFT entry `entry`'s record, from `$MFT`'s own runs (checked arithmetic).
    func mftRecord(_ entry: UInt64, _ fs: FileSystemSession) async throws -> Int64? {
        let size = UInt64(OwnerText.mftRecordSize)
        let (byte, o) = entry.multipliedReportingOverflow(by: size)
        let bs = UInt64(max(1, fs.info.blockSize))
        guard !o else { return nil }
        let index = byte / bs
        let runs = try await fs.runs(inode: 0).filter { $0.attribute.type == 128 && $0.kind == .blocks }
        guard let r = runs.first(where: { index >= $0.fileBlock && index - $0.fileBlock < $0.length }),
              let start = fs.info.mediaOffset(block: r.block &+ (index - r.fileBlock)) else { return nil }
        let (at, o2) = start.addingReportingOverflow(Int64(byte % bs))
        return o2 ? nil : at
    }

    /// Stops every worker.
    func close() async {
        let all = volumes.withLock { v in defer { v.removeAll() }; return Array(v.values) }
        for slot in all {
            slot.mapper?.cancel()
            await slot.mapper?.value
            if let fs = try? await slot.browse.value { await fs.close() }
        }
    }
}

/// One file system's workers and what they built.
struct VolumeSlot: Sendable {
    var browse: Task<FileSystemSession, any Error>
    var mapper: Task<Void, Never>?
    var map: FSOwnerMap?
    /// inode → its names (from one recursive listing, after the map).
    var names: [UInt64: [FSEntry]]?
    var label = ""
    var info: FSInfo?

    init(browse: Task<FileSystemSession, any Error>) {
        self.browse = browse
    }
}
