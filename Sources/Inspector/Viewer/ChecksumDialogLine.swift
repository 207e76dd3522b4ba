import DiskFormats

/// The `W` dialog's line about checksums.
func checksumLine(_ a: ChecksumAssessment?) -> (String, Role) {
    switch a {
    case nil: return ("checksums: checking which ones the staged bytes touch…", .dim)
    case let .failed(why)?: return ("checksums: not checked: \(why)", .warning)
    case let .impacts(list)? where list.isEmpty: return ("checksums: none stops matching", .dim)
    case let .impacts(list)?:
        let broken = list.filter(\.matchedBefore).map(\.spec.title)
        let wrong = list.filter { !$0.matchedBefore }.map(\.spec.title)
        var parts: [String] = []
        if !broken.isEmpty { parts.append("will stop matching: " + broken.joined(separator: ", ")) }
        if !wrong.isEmpty { parts.append("already wrong: " + wrong.joined(separator: ", ")) }
        let copy = list.contains(where: \.mirrors) ? " and copies the edit into the structure's other copy" : ""
        return ("checksums \(parts.joined(separator: "; ")) · c updates \(list.count == 1 ? "it" : "them")\(copy) in the same write", .warning)
    }
}
