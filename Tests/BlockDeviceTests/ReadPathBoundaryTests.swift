import Foundation
import Testing

/// The read path is the only reader of media bytes. Outside BlockDevice
/// (the sources and `MediaReader`) and LinuxAIO (the engines), no module
/// calls `pread`, `lseek`, an engine's read, libewf, the page-cache reader,
/// or a read without a `ReadClass` (`MediaReader.read` takes one;
/// `BlockSource.read` does not). A scan of the sources, so that a new
/// consumer cannot quietly add a seventh read path.
@Suite struct ReadPathBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    static let forbidden: [(pattern: String, why: String)] = [
        (#"\bpread(64)?\s*\("#, "pread outside the engines"),
        (#"\blseek\s*\("#, "lseek (hole maps belong to the read path)"),
        (#"\.engine\.(read|write)\("#, "an engine call outside the read path"),
        (#"\bclewf_read\b"#, "libewf outside the EWF source"),
        (#"\.warmReads\(\)|\bWarmReads\b"#, "the page-cache reader outside the read path"),
        (#"\.read\(at:(?![^\n]*\bas: )"#, "a read without a ReadClass (not through MediaReader)"),
    ]
    /// Modules that may read media directly: the read path and the engines.
    static let allowedModules: Set = ["BlockDevice", "LinuxAIO", "CLinuxAIO", "CLibEWF"]
    /// Single lines that look like a bypass and are not, with the reason.
    static let allowedLines: [(file: String, contains: String, why: String)] = [
        ("Inspector/Patch/PatchTarget.swift", "try await read(at: offset, into: buffer, length: length)",
         "PatchTarget's own requirement; WritableMedia serves it through its read path"),
        ("blkview/Bench/BenchCommand.swift", "lseek(fd, 0, SEEK_END)",
         "bench measures the engine itself against fio, on purpose outside the read path"),
    ]

    /// Every forbidden use outside the read path, as `module/file:line: why: code`.
    static func offenders(in root: URL) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for module in try fm.contentsOfDirectory(atPath: root.path) where !allowedModules.contains(module) {
            guard let walker = fm.enumerator(atPath: root.appendingPathComponent(module).path) else { continue }
            for case let file as String in walker where file.hasSuffix(".swift") || file.hasSuffix(".c") {
                let rel = "\(module)/\(file)"
                let text = try String(contentsOf: root.appendingPathComponent(rel), encoding: .utf8)
                for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let line = raw.trimmingCharacters(in: .whitespaces)
                    if line.hasPrefix("//") || line.hasPrefix("*") || line.hasPrefix("/*") { continue }
                    if allowedLines.contains(where: { rel == $0.file && line.contains($0.contains) }) { continue }
                    for f in forbidden where line.range(of: f.pattern, options: .regularExpression) != nil {
                        out.append("\(rel):\(n + 1): \(f.why): \(line)")
                    }
                }
            }
        }
        return out
    }

    @Test("no module but the read path reads media bytes")
    func onlyTheReadPathReads() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path)
        #expect(modules.contains("Inspector") && modules.contains("blkview"), "the scan must see the consumers")
        let found = try Self.offenders(in: Self.sources)
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    @Test("the scan catches each kind of bypass")
    func scanCatchesBypasses() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("blkview-boundary-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Inspector"), withIntermediateDirectories: true)
        let bypasses = [
            "let n = try await source.read(at: 0, into: b, length: 512)",
            "let n = pread(fd, p, 512, 0)",
            "_ = lseek(fd, 0, 3)",
            "try await src.engine.read(fd, at: 0, into: b, length: 512)",
            "let w = source.warmReads()",
        ]
        try bypasses.joined(separator: "\n").write(to: root.appendingPathComponent("Inspector/Bad.swift"), atomically: true, encoding: .utf8)
        try "let n = try await reader.read(at: 0, into: b, length: 512, as: .visible)\n// pread( in a comment"
            .write(to: root.appendingPathComponent("Inspector/Good.swift"), atomically: true, encoding: .utf8)
        let found = try Self.offenders(in: root)
        #expect(found.count == bypasses.count, "\(found.joined(separator: "\n"))")
        #expect(!found.contains { $0.contains("Good.swift") })
    }
}
