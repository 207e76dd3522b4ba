import LinuxAIO

/// What became of a commit (`W`).
public struct CommitOutcome: Equatable, Sendable {
    /// Byte ranges now verified on the media (their staged bytes are dropped).
    public var verified: [Range<Int64>]
    /// Why it stopped, else nil.
    public var failure: String?
    /// The undo journal the writes were recorded in.
    public var journal: String?

    public init(verified: [Range<Int64>], failure: String? = nil, journal: String? = nil) {
        self.verified = verified
        self.failure = failure
        self.journal = journal
    }
}

/// Edit mode (`e`), undo of a staged change (`u`) and the commit dialog (`W`).
/// Nothing here touches the disk: `W` ends in a `.commit` effect.
extension ViewerReducer {
    static func startEdit(_ s: inout ViewerState) {
        guard s.source.access == .writable else { return s.refuseEdit() }
        guard !s.committing else {
            s.message = .init(text: "writing the staged bytes: wait for the write to finish", role: .warning)
            return
        }
        s.edit = EditMode()
        s.message = .init(text: "edit: type hex digits · Tab text column · u undo · W write · Esc leave", role: .good)
    }

    static func undoStaged(_ s: inout ViewerState) {
        guard s.source.access == .writable else { return s.refuseEdit() }
        guard !s.committing else { return }
        guard let off = s.edits.undo() else {
            s.message = .init(text: "nothing staged to undo", role: .warning)
            return
        }
        s.edit?.lowNibble = false
        s.moveCursor(to: off)
        s.message = .init(text: "undone at 0x\(String(off, radix: 16)) · \(plural(s.edits.count, "byte")) staged", role: .good)
    }

    @discardableResult
    static func startCommit(_ s: inout ViewerState) -> [ViewerEffect] {
        guard s.source.access == .writable else { s.refuseEdit(); return [] }
        guard !s.committing else {
            s.message = .init(text: "a write is under way", role: .warning)
            return []
        }
        guard !s.edits.isEmpty else {
            s.message = .init(text: "nothing staged: e to edit, then W to write", role: .warning)
            return []
        }
        s.commitPrompt = CommitPrompt()
        return [.assessChecksums(s.edits.runs)]
    }

    /// The checksum report for the `W` dialog, if it is for the bytes staged now.
    static func checksumsAssessed(_ s: inout ViewerState, _ runs: [PatchRun], _ a: ChecksumAssessment) {
        guard var p = s.commitPrompt, runs == s.edits.runs else { return }
        p.checksums = a
        s.commitPrompt = p
    }

    /// `c` in the `W` dialog: the fixes become staged bytes (journaled with
    /// the rest, undoable with `u`), then the checksums are assessed again.
    static func stageChecksumFixes(_ s: inout ViewerState, _ p: inout CommitPrompt) -> [ViewerEffect] {
        guard case let .impacts(impacts)? = p.checksums, !impacts.isEmpty else { return [] }
        for impact in impacts {
            for (o, b) in impact.fix.sorted(by: { $0.key < $1.key }) { s.edits.setByte(at: o, to: b) }
        }
        p.checksums = nil
        s.message = .init(text: "staged the update of \(plural(impacts.count, "checksum")) (u undoes it)", role: .good)
        return [.assessChecksums(s.edits.runs)]
    }

    /// Keys in edit mode; nil lets the normal handling move the cursor.
    static func editKey(_ s: inout ViewerState, _ k: Key) -> [ViewerEffect]? {
        guard var e = s.edit else { return nil }
        switch k {
        case .escape:
            s.edit = nil
            s.message = s.edits.isEmpty ? nil : .init(text: "\(plural(s.edits.count, "byte")) staged: W writes them, u undoes", role: .warning)
            return []
        case .tab, .backTab:
            e.column = e.column == .hex ? .ascii : .hex
            e.lowNibble = false
            s.edit = e
            return []
        case .backspace:
            e.lowNibble = false
            s.edit = e
            s.moveCursor(by: -1)
            return []
        case let .char(c):
            if s.committing {
                s.message = .init(text: "writing the staged bytes: wait for the write to finish", role: .warning)
                return []
            }
            if e.column == .ascii {
                guard let a = c.asciiValue, a >= 0x20, a < 0x7f else {
                    s.message = .init(text: "text column: printable ASCII only", role: .warning)
                    return []
                }
                s.edits.setByte(at: s.cursor, to: a)
                s.moveCursor(by: 1)
                return []
            }
            if let v = c.hexDigitValue {
                s.edits.setNibble(at: s.cursor, high: !e.lowNibble, to: UInt8(v))
                if e.lowNibble {
                    e.lowNibble = false
                    s.edit = e
                    s.moveCursor(by: 1)
                } else {
                    e.lowNibble = true
                    s.edit = e
                }
                return []
            }
            switch c {
            case "u": undoStaged(&s)
            case "W": return startCommit(&s)
            default: s.message = .init(text: "hex digits 0-9 a-f stage a byte · Tab text column · Esc leaves edit mode", role: .warning)
            }
            return []
        case .left, .right, .up, .down, .pageUp, .pageDown, .home, .end, .wheel:
            e.lowNibble = false
            s.edit = e
            return nil
        default:
            return nil
        }
    }

    /// The `W` dialog: n/d/f (or ←/→) pick the level, Enter goes on, `y` writes, anything else cancels.
    static func commitKey(_ s: inout ViewerState, _ k: Key) -> [ViewerEffect] {
        guard var p = s.commitPrompt else { return [] }
        let levels = SyncLevel.allCases
        if p.confirming {
            s.commitPrompt = nil
            guard k == .char("y") || k == .char("Y") else {
                s.message = .init(text: "write cancelled: \(plural(s.edits.count, "byte")) still staged", role: .warning)
                return []
            }
            s.committing = true
            s.message = .init(text: "writing \(plural(s.edits.count, "byte")) with sync \(p.sync.rawValue)…", role: .good)
            return [.commit(s.edits.runs, sync: p.sync)]
        }
        switch k {
        case .char("n"): p.sync = .none
        case .char("d"): p.sync = .data
        case .char("f"): p.sync = .full
        case .char("c"):
            let effects = stageChecksumFixes(&s, &p)
            s.commitPrompt = p
            return effects
        case .left: p.sync = levels[max(0, levels.firstIndex(of: p.sync)! - 1)]
        case .right: p.sync = levels[min(levels.count - 1, levels.firstIndex(of: p.sync)! + 1)]
        case .enter: p.confirming = true
        case .escape, .char("q"):
            s.commitPrompt = nil
            s.message = .init(text: "write cancelled", role: .warning)
            return []
        default: break
        }
        s.commitPrompt = p
        return []
    }

    static func finishCommit(_ s: inout ViewerState, _ o: CommitOutcome) {
        s.committing = false
        for r in o.verified { s.edits.remove(r) }
        let journal = o.journal.map { " · undo: blkview undo \($0)" } ?? ""
        if let f = o.failure {
            s.message = .init(text: "write failed: \(f)\(journal)", role: .error)
        } else {
            s.message = .init(text: "written and verified\(journal)", role: .good)
        }
    }
}
