import Glibc
import LinuxAIO

/// A growable byte buffer that formatters write into with raw stores: no
/// String per line. The owner drains it (write(2)) and calls `removeAll()`.
///
/// Not `Sendable`: one task fills and drains it.
public final class DumpBuffer {
    public private(set) var base: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    public private(set) var capacity: Int

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 256)
        base = .allocate(capacity: self.capacity)
    }

    /// Like `init(capacity:)` for a big buffer (a dump's chunk of output):
    /// memory that cannot be had is an error the command reports.
    /// - Throws: `EngineError.allocationFailed`.
    public init(checkedCapacity: Int) throws(EngineError) {
        let c = max(checkedCapacity, 256)
        guard let raw = malloc(c) else { throw EngineError.allocationFailed(Errno(ENOMEM), bytes: c) }
        capacity = c
        // `deallocate()` gives it back with free(3) (swift_slowDealloc on Linux).
        base = raw.bindMemory(to: UInt8.self, capacity: c)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes; returns where they go.
    @inline(__always)
    public func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count + extra > capacity { grow(count + extra) }
        return base + count
    }

    /// Marks `n` bytes written at `reserve`'s pointer as used.
    @inline(__always)
    public func commit(_ n: Int) { count += n }

    /// Appends bytes (for rare, small pieces: borders, the final offset line).
    public func append(_ bytes: some Collection<UInt8>) {
        let p = reserve(bytes.count)
        var i = 0
        for b in bytes {
            p[i] = b
            i += 1
        }
        commit(bytes.count)
    }

    public func append(_ s: String) { append(Array(s.utf8)) }

    public func removeAll() { count = 0 }

    /// The bytes written so far.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// A copy of the bytes written so far (tests).
    public var array: [UInt8] { Array(bytes) }

    private func grow(_ needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let n = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        n.update(from: base, count: count)
        base.deallocate()
        base = n
        capacity = c
    }
}
