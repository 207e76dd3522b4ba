// Named regions and fields: what the viewer colours and names.

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

/// Builds a region field by field from a buffer read at `base`.
struct RegionBuilder {
    let name: String
    let base: Int64
    let bytes: Bytes
    var fields: [Field] = []

    init(_ name: String, base: Int64, bytes: Bytes) {
        self.name = name
        self.base = base
        self.bytes = bytes
    }

    /// Adds a field at `offset` (relative to the buffer) of `length` bytes.
    mutating func add(_ name: String, _ offset: Int, _ length: Int, _ value: String) {
        fields.append(Field(name: name, offset: base.addingSaturating(Int64(offset)),
                            length: Int64(length), value: value))
    }

    /// Adds a little-endian unsigned integer field shown in decimal.
    mutating func le(_ name: String, _ offset: Int, _ length: Int) {
        add(name, offset, length, String(bytes.uintLE(offset, length)))
    }

    /// Adds a big-endian unsigned integer field shown in decimal.
    mutating func be(_ name: String, _ offset: Int, _ length: Int) {
        add(name, offset, length, String(bytes.uintBE(offset, length)))
    }

    /// Adds a little-endian unsigned integer field shown in hex.
    mutating func hexLE(_ name: String, _ offset: Int, _ length: Int) {
        add(name, offset, length, "0x" + hex(bytes.uintLE(offset, length), digits: length * 2))
    }

    /// Adds a text field (trailing NULs and spaces trimmed).
    mutating func text(_ name: String, _ offset: Int, _ length: Int) {
        add(name, offset, length, "\"" + bytes.ascii(offset, length) + "\"")
    }

    func build(length: Int) -> Region {
        Region(name: name, offset: base, length: Int64(length), fields: fields)
    }
}
