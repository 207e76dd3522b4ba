import FileSystems

/// The file system the Files panel shows.
public struct FilesVolume: Equatable, Sendable {
    /// Byte offset of the file system on the media (the worker's key).
    public var fsOffset: Int64
    /// `p2` or `0x100000`: where it is.
    public var place: String
    /// What libtsk found (nil while opening).
    public var info: FSInfo?
    /// Why it could not be opened.
    public var error: String?
    public var tree: FileTree?

    /// `p2 ntfs`.
    public var label: String { place + " " + (info?.type ?? "…") }
}

/// The selected file's runs (its bytes on the media).
public struct FileDetail: Equatable, Sendable {
    public var entry: FSEntry
    /// nil while loading.
    public var runs: [FSRun]?
    public var error: String?
    /// NTFS resident data: the media offset of the MFT record that holds it.
    public var record: Int64?
    /// Media byte ranges of the runs (sorted): what the hex view tints.
    public var ranges: [Range<Int64>] = []
}

/// What the status bar says of the byte at `offset`.
public struct OwnerLine: Equatable, Sendable {
    public var offset: Int64
    public var text: String
    /// The byte is inside a metadata record (an MFT entry, an inode): decoded for the Files panel.
    public var metadata: CursorMetadata?

    public init(offset: Int64, text: String, metadata: CursorMetadata? = nil) {
        self.offset = offset
        self.text = text
        self.metadata = metadata
    }
}

/// The metadata record under the cursor, as `istat` would decode it.
public struct CursorMetadata: Equatable, Sendable {
    /// `MFT entry 65`, `inode 12`.
    public var title: String
    public var entry: FSEntry
    public var runs: [FSRun]
    public var info: FSInfo

    public init(title: String, entry: FSEntry, runs: [FSRun], info: FSInfo) {
        self.title = title
        self.entry = entry
        self.runs = runs
        self.info = info
    }
}

/// An owner map being built (or built) for a file system.
public struct OwnerMapStatus: Equatable, Sendable {
    public enum Phase: Equatable, Sendable { case building(percent: Int), ready, cancelled, failed(String) }
    public var label: String
    public var phase: Phase

    public init(label: String, phase: Phase) {
        self.label = label
        self.phase = phase
    }

    /// `map p2 ntfs 43% (c cancels)` for the status bar; nil once ready.
    public var text: String? {
        switch phase {
        case let .building(p): "map \(label) \(p)%"
        case .ready: nil
        case .cancelled: "map \(label) cancelled"
        case let .failed(why): "map \(label) failed: \(why)"
        }
    }
}

/// Everything of the Files panel and the owner line in `ViewerState`.
public struct FilesState: Equatable, Sendable {
    public var volume: FilesVolume?
    /// `/` in the focused panel: keys go to the filter.
    public var filterEditing = false
    public var detail: FileDetail?
    /// Enter on a file whose runs are still loading: jump when they come.
    public var jumpPending = false
    public var owner: OwnerLine?
    /// Owner maps by file-system offset.
    public var maps: [Int64: OwnerMapStatus] = [:]
    /// First visible row of the tree (scrolling).
    public var scroll = 0

    public init() {}

    /// The owner line when it is about the cursor's byte.
    public func ownerText(at cursor: Int64) -> String? {
        guard let o = owner, o.offset == cursor else { return nil }
        return o.text
    }

    /// The status bar's map progress (the building one first).
    public var mapText: String? {
        let all = maps.sorted { $0.key < $1.key }.map(\.value)
        return (all.first { if case .building = $0.phase { true } else { false } } ?? all.first { $0.text != nil })?.text
    }

    /// Whether an owner map is being built (for `--stats`: keys drawn while one builds).
    public var mapBuilding: Bool {
        maps.values.contains { if case .building = $0.phase { true } else { false } }
    }

    /// Whether an owner map is built and none is being built.
    public var mapsReady: Bool {
        !mapBuilding && maps.values.contains { $0.phase == .ready }
    }

    /// Whether `offset` is one of the selected file's bytes.
    public func tinted(_ offset: Int64) -> Bool {
        guard let r = detail?.ranges, !r.isEmpty else { return false }
        var lo = 0
        var hi = r.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if r[mid].lowerBound <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 && r[lo - 1].contains(offset)
    }
}

/// Work the Files panel asks of the session (`ViewerEffect.files`).
public enum FilesRequest: Equatable, Sendable {
    /// Open the file system at this offset and list its root.
    case open(fsOffset: Int64, place: String)
    case list(fsOffset: Int64, directory: UInt64)
    /// The runs of the selected entry.
    case runs(fsOffset: Int64, entry: FSEntry)
    case buildMap(fsOffset: Int64)
    case cancelMap(fsOffset: Int64)
}

/// Results of that work (`ViewerEvent.files`).
public enum FilesEvent: Equatable, Sendable {
    case opened(fsOffset: Int64, FSInfo)
    case openFailed(fsOffset: Int64, String)
    case listed(fsOffset: Int64, directory: UInt64, [FSEntry], error: String?)
    /// `record`: where the MFT record holding resident data is on the media.
    case runs(fsOffset: Int64, entry: FSEntry, [FSRun], record: Int64?, error: String?)
    case owner(OwnerLine)
    case map(fsOffset: Int64, OwnerMapStatus)
}
