import BlockDevice
import DiskFormats
import LinuxAIO

/// How the media was opened: shown in the status bar, consulted by edit keys.
public enum AccessMode: String, Sendable {
    case readOnly = "read-only"
    case writable = "writable"
    case forensic = "forensic"
}

/// What the status bar says about the media (fixed for a session).
public struct SourceSummary: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var sectorSize: Int
    public var kind: String
    /// What serves the reads, as the status bar says it: `aio ×32`,
    /// `threads ×32`, `ewf ×2 decoders (pread)`, `nbd ×32` (the read path's label).
    public var engine: String
    public var access: AccessMode
    /// An evidence container's case metadata and stored hashes (EWF), shown
    /// at the top of the structure panel.
    public var evidence: EvidenceMetadata?
    /// How each sync level is made true on a writable target, for the `W`
    /// dialog (`data (NBD FUA)` on an NBD export).
    public var syncWords: [SyncLevel: String] = Dictionary(uniqueKeysWithValues: SyncLevel.allCases.map { ($0, $0.description) })

    public init(path: String, size: Int64, sectorSize: Int, kind: String, engine: String, access: AccessMode,
                evidence: EvidenceMetadata? = nil) {
        self.evidence = evidence
        self.path = path
        self.size = size
        self.sectorSize = sectorSize
        self.kind = kind
        self.engine = engine
        self.access = access
    }
}

/// The panels under the hex view.
public enum Panel: String, Sendable, CaseIterable {
    case inFlight = "In flight"
    case latency = "Latency"
    case journal = "Write journal"
    case structure = "Structure"
    case map = "Map"
    case inspector = "Inspector"
    case files = "Files"
}

/// Edit mode: which column typing goes to, and which nibble comes next.
public struct EditMode: Equatable, Sendable {
    public enum Column: Equatable, Sendable { case hex, ascii }
    public var column: Column = .hex
    /// The next hex digit is the low nibble of the cursor's byte.
    public var lowNibble = false
    public init() {}
}

/// The `W` dialog: pick the sync level, then confirm.
public struct CommitPrompt: Equatable, Sendable {
    public var sync: SyncLevel = .data
    /// The level is chosen; `y` writes.
    public var confirming = false
    /// What the staged bytes do to checksums; nil while it is being worked out.
    public var checksums: ChecksumAssessment?
    public init() {}
}

/// A line being typed at the bottom of the screen.
public struct Prompt: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case goto, search
        /// A value for a data inspector field (edit mode).
        case inspector(InspectorField)
    }
    public var kind: Kind
    public var text: String
}

/// The state of `/` searches.
public struct SearchState: Equatable, Sendable {
    public var pattern: SearchPattern?
    /// Bytes scanned and total of the search under way; nil when idle.
    public var progress: (done: Int64, total: Int64)?
    public var lastMatch: Int64?
    /// Where the search under way (or the last one) started, and its direction.
    public var from: Int64 = 0
    public var forward = true
    /// The last `n` (or `N`) ran off the end (the start): the next one in
    /// the same direction wraps around.
    public var wrapArmed: Bool?
    /// The search under way (or the last one) started at the other end.
    public var wrapped = false
    /// Which search the events are about: each start takes the next number,
    /// and a cancel moves past it, so what a replaced search reports is ignored.
    public var id = 0

    public static func == (a: SearchState, b: SearchState) -> Bool {
        a.pattern == b.pattern && a.lastMatch == b.lastMatch && a.progress?.done == b.progress?.done
            && a.progress?.total == b.progress?.total && a.from == b.from && a.forward == b.forward
            && a.wrapArmed == b.wrapArmed && a.wrapped == b.wrapped && a.id == b.id
    }
}

/// Everything the viewer shows that is not the media's bytes or the engine's
/// figures. The UI is a function of it: `ViewerReducer` changes it,
/// `ViewerRenderer` draws it.
public struct ViewerState: Equatable, Sendable {
    public var source: SourceSummary
    public var width: Int
    public var height: Int
    /// Byte under the cursor.
    public var cursor: Int64 = 0
    /// Offset of the first row shown (a multiple of `bytesPerRow`).
    public var top: Int64 = 0
    /// `--width`: bytes per row asked for (nil: 32 when the terminal is wide enough, else 16).
    public var requestedBytesPerRow: Int?
    public var panels: [Panel] = []
    /// The panel with focus, or nil for the hex view.
    public var focus: Panel?
    /// Rows of the panel area (borders included).
    public var panelHeight = 9
    /// `+` or `-` chose the panel height: the structure panel no longer sizes itself.
    public var panelHeightChosen = false
    public var showHelp = false
    /// The forensic session's log file, shown in help and the status bar.
    public var sessionLogPath: String?
    /// Unicode glyphs, or ASCII ones when the locale cannot show UTF-8.
    public var glyphs: GlyphSet = .unicode
    public var prompt: Prompt?
    public var message: Message?
    public var search = SearchState()
    /// `q` was pressed with unsaved staged patches: the next `q` quits.
    public var confirmingQuit = false
    /// `H` was pressed while a background hash runs: the next `H` cancels it.
    public var confirmingBackgroundCancel = false
    /// Edit mode (`e`, writable sessions only), or nil.
    public var edit: EditMode?
    /// Bytes typed in edit mode and not written yet.
    public var edits = StagedEdits()
    /// `W`: choosing the sync level, then confirming.
    public var commitPrompt: CommitPrompt?
    /// A commit is being written (editing waits for it).
    public var committing = false
    /// Staged bytes not written yet.
    public var stagedPatches: Int { edits.count }
    public var quit = false
    /// Partitions and file systems found on the media (nil until probed).
    public var disk: DiskLayout?
    /// The selected row of the structure panel.
    public var structureSelection = 0
    /// The lost-partition scan started with `S` in the structure panel.
    public var partitionScan: PartitionScanState?
    /// Progress of a background job (`--hash`), drawn in the status bar.
    public var background: BackgroundStatus?
    /// The overview map panel (`m`, F8) and the data inspector (`I`, F9).
    public var mapView = MapViewState()
    public var inspector = InspectorState()
    /// The Files panel and the owner line (Sources/Inspector/Files).
    public var files = FilesState()

    public struct Message: Equatable, Sendable {
        public var text: String
        public var role: Role

        public init(text: String, role: Role) {
            self.text = text
            self.role = role
        }
    }

    public init(source: SourceSummary, width: Int, height: Int, bytesPerRow: Int? = nil) {
        self.source = source
        self.width = width
        self.height = height
        requestedBytesPerRow = bytesPerRow
    }
}
