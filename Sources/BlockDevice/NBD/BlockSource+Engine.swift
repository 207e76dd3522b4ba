extension BlockSource {
    /// The engine as `info` names it: `aio engine`, `threads engine`, and for
    /// NBD sources what really serves them: `nbd ×32`, `qcow2 via qemu-nbd`.
    public var engineSummary: String {
        if let nbd = self as? NBDSource { return nbd.label }
        return "\(engine.kind) engine"
    }

    /// The engine with its parallelism: `aio ×32`, `nbd ×32`, `qcow2 via qemu-nbd`.
    public var engineLabel: String {
        if let nbd = self as? NBDSource { return nbd.label }
        return "\(engine.kind) ×\(engine.slots)"
    }

    /// The engine's short name for JSON: `aio`, `threads`, `nbd`, `qemu-nbd`.
    public var engineName: String {
        if let nbd = self as? NBDSource { return nbd.kind == .nbd ? "nbd" : "qemu-nbd" }
        return engine.kind.rawValue
    }
}
