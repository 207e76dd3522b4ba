// Named regions and fields: what the viewer colours and names.

/// A named structure on the device (a GPT header, a superblock, …) with its fields.
public struct Region: Sendable, Hashable {
    /// Display name (`GPT header`, `ext4 superblock`, `MBR partition 1`).
    public var name: String
    /// Absolute byte offset on the device.
    public var offset: Int64
    /// Length in bytes.
    public var length: Int64
    /// The fields, in on-disk order.
    public var fields: [Field]

    /// Creates a region.
    public init(name: String, offset: Int64, length: Int64, fields: [Field] = []) {
        self.name = name
        self.offset = offset
        self.length = length
        self.fields = fields
    }

    /// The field covering absolute byte `offset`, if any.
    public func field(at offset: Int64) -> Field? {
        fields.first { $0.offset <= offset && offset < $0.offset.addingSaturating($0.length) }
    }

    /// The field named `name`, if any.
    public func field(named name: String) -> Field? {
        fields.first { $0.name == name }
    }

    /// Whether absolute byte `offset` lies inside this region.
    public func contains(_ offset: Int64) -> Bool {
        self.offset <= offset && offset < self.offset.addingSaturating(length)
    }
}
