extension BlockSource {
    /// What really serves the reads, with its parallelism, as the status bar,
    /// the forensic log and `info` name it: `aio ×32`, `threads ×32`,
    /// `ewf ×2 decoders (pread)`, `nbd ×32`, `qcow2 via qemu-nbd`.
    public var engineLabel: String {
        if let parts = self as? any ReadPathSource { return parts.partsEngineLabel }
        return "\(engine.kind) ×\(engine.slots)"
    }

    /// The engine as `info` names it: `aio engine`, `threads engine`, and for
    /// sources the read path assembles what really serves them (`engineLabel`).
    public var engineSummary: String {
        self is any ReadPathSource && !(self is SplitRawSource) ? engineLabel : "\(engine.kind) engine"
    }

    /// The engine's short name for JSON: `aio`, `threads`, `ewf`, `nbd`, `qemu-nbd`.
    public var engineName: String {
        if let nbd = self as? NBDSource { return nbd.kind == .nbd ? "nbd" : "qemu-nbd" }
        if self is EWFSource { return "ewf" }
        return engine.kind.rawValue
    }
}
