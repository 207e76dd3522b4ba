import BlockDevice
import DiskFormats
import Foundation
import Inspector
import Testing

/// When a limit of `StructureReader` stops the probe, the layout says so.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/sfdisk") || FileManager.default.isExecutableFile(atPath: "/sbin/sfdisk"),
                "needs sfdisk"))
struct StructureReaderLimitTests {
    /// A 200 MiB sparse image with 10 logical partitions made by sfdisk.
    static func tenLogicals() throws -> String {
        let path = "/var/tmp/blkview-limits-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).img"
        guard FileManager.default.createFile(atPath: path, contents: nil), truncate(path, 200 << 20) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
        var script = "label: dos\nx1 : start=2048, size=400000, type=5\n"
        for i in 5...14 { script += "x\(i) : size=20000, type=83\n" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "printf '\(script.replacingOccurrences(of: "\n", with: "\\n"))' | sfdisk -q '\(path)'"]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    @Test func roundLimitIsADefect() async throws {
        let path = try Self.tenLogicals()
        defer { unlink(path) }
        let source = try BlockSources.open(path: path)
        let cut = try await StructureReader.probe(MediaReader(source), maxRounds: 3, maxBytes: StructureReader.maxBytes)
        #expect(cut.partitions.filter { $0.kind == .logical }.count < 10)
        #expect(cut.defects.contains { $0.hasPrefix("structure probe stopped after 3 rounds: ") }, "\(cut.defects)")
        let full = try await StructureReader.probe(MediaReader(source))
        #expect(full.partitions.filter { $0.kind == .logical }.count == 10)
        #expect(full.defects.isEmpty, "\(full.defects)")
        await source.close()
    }

    @Test func byteLimitIsADefect() async throws {
        let path = try Self.tenLogicals()
        defer { unlink(path) }
        let source = try BlockSources.open(path: path)
        // The first and last MiB use up 2 MiB: nothing more is read.
        let cut = try await StructureReader.probe(MediaReader(source), maxRounds: StructureReader.maxRounds, maxBytes: 2 << 20)
        #expect(cut.partitions.filter { $0.kind == .logical }.isEmpty)
        #expect(cut.defects.contains { $0.hasPrefix("structure probe stopped at its 2 MiB read limit: ") }, "\(cut.defects)")
        await source.close()
    }
}
