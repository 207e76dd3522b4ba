// One decoded field of a named region.

/// One decoded field of an on-disk structure.
public struct Field: Sendable, Hashable {
    /// The field's name as the specification spells it (`PartitionEntryLBA`).
    public var name: String
    /// Absolute byte offset on the device.
    public var offset: Int64
    /// Length in bytes.
    public var length: Int64
    /// The decoded value, ready to show (`2`, `"EFI system partition"`, `0x1A2B3C4D (ok)`).
    public var value: String

    /// Creates a field.
    public init(name: String, offset: Int64, length: Int64, value: String) {
        self.name = name
        self.offset = offset
        self.length = length
        self.value = value
    }
}
