/// A recency list with O(1) touch, remove and walk from the oldest, linked
/// through a dictionary (no node objects, so the cache stays a value type).
struct LRUList<Key: Hashable & Sendable>: Sendable {
    private struct Link: Sendable {
        var older: Key?
        var newer: Key?
    }

    private var links: [Key: Link] = [:]
    /// Least recently used.
    private(set) var oldest: Key?
    /// Most recently used.
    private(set) var newest: Key?

    var count: Int { links.count }
    func contains(_ key: Key) -> Bool { links[key] != nil }

    /// Makes `key` the most recently used, inserting it if needed.
    mutating func touch(_ key: Key) {
        if newest == key { return }
        remove(key)
        links[key] = Link(older: newest, newer: nil)
        if let n = newest { links[n]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
    }

    mutating func remove(_ key: Key) {
        guard let link = links.removeValue(forKey: key) else { return }
        if let o = link.older { links[o]?.newer = link.newer } else { oldest = link.newer }
        if let n = link.newer { links[n]?.older = link.older } else { newest = link.older }
    }

    /// The key after `key` towards the newest end.
    func newer(than key: Key) -> Key? { links[key]?.newer }

    /// Keys from the oldest to the newest (tests and diagnostics).
    var keysOldestFirst: [Key] {
        var out: [Key] = []
        var k = oldest
        while let key = k { out.append(key); k = links[key]?.newer }
        return out
    }
}
