import Foundation

/// How the segments of a split raw set are named: `image.001, image.002, …`
/// (or from `.000`, as `split -d` numbers them), or `image.aa, image.ab, …`.
struct SplitNaming: Equatable, Sendable {
    enum Style: Equatable, Sendable {
        /// Zero-padded decimal suffix of at least `width` digits.
        case numeric(width: Int)
        /// Lowercase letters, exactly `width` of them, `a…z` as base 26.
        case alphabetic(width: Int)
    }

    /// Everything before the suffix, with the dot: `/evidence/disk.`
    let base: String
    let style: Style
    /// The index of the first segment (0 or 1 for numeric sets).
    let firstIndex: Int

    /// Recognizes the first segment of a set: a suffix `.0…0`, `.0…01` (two
    /// digits or more) or `.a…a` (two letters or more). Nil otherwise.
    init?(firstSegment path: String) {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let suffix = name[name.index(after: dot)...]
        guard suffix.count >= 2 else { return nil }
        let baseLength = path.utf8.count - suffix.utf8.count
        base = String(path.utf8.prefix(baseLength))!
        if suffix.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(suffix), value <= 1 {
            style = .numeric(width: suffix.count)
            firstIndex = value
        } else if suffix.allSatisfy({ $0 == "a" }) {
            style = .alphabetic(width: suffix.count)
            firstIndex = 0
        } else {
            return nil
        }
    }

    /// The path of segment `index`, or nil past the last name the style allows.
    func path(_ index: Int) -> String? {
        switch style {
        case let .numeric(width):
            let digits = String(index)
            return base + String(repeating: "0", count: max(0, width - digits.count)) + digits
        case let .alphabetic(width):
            var letters: [Character] = []
            var rest = index
            for _ in 0..<width {
                letters.append(Character(UnicodeScalar(UInt8(97 + rest % 26))))
                rest /= 26
            }
            return rest > 0 ? nil : base + String(letters.reversed())
        }
    }

    /// The index a file name's suffix stands for in this style, if it is one.
    func index(ofSuffix suffix: Substring) -> Int? {
        switch style {
        case let .numeric(width):
            guard suffix.count >= width, suffix.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(suffix)
        case let .alphabetic(width):
            guard suffix.count == width, suffix.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { return nil }
            return suffix.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value - 97) }
        }
    }
}

/// Finds the segments of a split raw set.
enum SplitSet {
    /// The segment paths in order, from the first while they exist. Throws
    /// `missingSegment` when a later segment exists after a gap. A set of one
    /// is a plain file to the caller.
    static func discover(_ naming: SplitNaming, path: String) throws(BlockSourceError) -> [String] {
        var start = naming.firstIndex
        // `image.001` opened while `image.000` exists: the set starts at 000.
        if start == 1, let zero = naming.path(0), exists(zero) { start = 0 }
        var paths: [String] = []
        var i = start
        while let p = naming.path(i), exists(p) {
            paths.append(p)
            i += 1
        }
        if paths.isEmpty { return [path] }  // the open that follows reports why
        if let later = laterSegment(naming, after: i - 1), let missing = naming.path(i) {
            throw BlockSourceError(path: path, reason: .missingSegment(
                missing: lastComponent(missing), present: lastComponent(later)))
        }
        return paths
    }

    /// The lowest-numbered segment name in the directory beyond `last`, if any.
    private static func laterSegment(_ naming: SplitNaming, after last: Int) -> String? {
        let dir: String
        let prefix: String
        if let slash = naming.base.lastIndex(of: "/") {
            dir = String(naming.base[...slash])
            prefix = String(naming.base[naming.base.index(after: slash)...])
        } else {
            dir = "./"
            prefix = naming.base
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        var best: (Int, String)?
        for name in names where name.hasPrefix(prefix) {
            let suffix = name.dropFirst(prefix.count)
            guard let idx = naming.index(ofSuffix: suffix), idx > last else { continue }
            if best == nil || idx < best!.0 { best = (idx, name) }
        }
        return best.map { dir == "./" && !naming.base.hasPrefix("./") ? $0.1 : dir + $0.1 }
    }

    /// When `path` is a later segment of a split raw set whose first segment
    /// exists (`disk1.002` beside `disk1.001`), the note to show: "looks like
    /// segment 2 of disk1.001 …". Nil for first segments and other names.
    static func laterSegmentNote(_ path: String) -> String? {
        let name = lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let suffix = name[name.index(after: dot)...]
        guard suffix.count >= 2 else { return nil }
        let base = String(path.utf8.prefix(path.utf8.count - suffix.utf8.count))!
        var candidates: [(first: String, number: Int)] = []
        if suffix.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(suffix) {
            let zero = String(repeating: "0", count: suffix.count)
            let one = String(repeating: "0", count: suffix.count - 1) + "1"
            if value >= 2 { candidates.append((base + one, value)) }
            if value >= 1 { candidates.append((base + zero, value + 1)) }
        } else if suffix.allSatisfy({ $0 >= "a" && $0 <= "z" }), suffix.contains(where: { $0 != "a" }) {
            let index = suffix.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value - 97) }
            candidates.append((base + String(repeating: "a", count: suffix.count), index + 1))
        }
        guard let hit = candidates.first(where: { exists($0.first) }) else { return nil }
        let first = lastComponent(hit.first)
        return "\(name) looks like segment \(hit.number) of the split raw set \(first) — opened alone; open \(first) to read the whole set"
    }

    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 || errno == EACCES
    }

    static func lastComponent(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }
}
