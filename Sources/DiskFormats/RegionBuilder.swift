// Building regions field by field from a buffer (internal to the parsers).

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
