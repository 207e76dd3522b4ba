/// What the renderer draws for one byte offset.
public enum ByteCell: Sendable, Equatable {
    /// In memory.
    case byte(UInt8)
    /// Not in memory yet (queued or being read): draw a placeholder.
    case pending
    /// The read failed (or the media returned less than its size): draw `??`.
    case unreadable
    /// Past the end of the source: the byte does not exist.
    case pastEnd

    /// The value when loaded.
    public var value: UInt8? {
        if case let .byte(b) = self { return b }
        return nil
    }
}
