import BlockDevice
import DiskFormats
import Foundation
import Inspector
import Testing
import TestSupport

/// When a limit of `StructureReader` stops the probe, the layout says so.
@Suite(.enabled(if: Capability.has("sfdisk"), "needs sfdisk"))
struct StructureReaderLimitTests {
    /// A 200 MiB sparse image with 10 logical partitions made by sfdisk.
    static func tenLogicals(in scratch: Scratch) throws -> String {
        let path = try scratch.sparse("limits.img", bytes: 200 << 20)
        var script = "label: dos\nx1 : start=2048, size=400000, type=5\n"
        for i in 5...14 { script += "x\(i) : size=20000, type=83\n" }
        try Subprocess.checked("sfdisk", ["-q", path], input: script)
        return path
    }

    @Test func roundLimitIsADefect() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = try Self.tenLogicals(in: scratch)
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
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = try Self.tenLogicals(in: scratch)
        let source = try BlockSources.open(path: path)
        // The first and last MiB use up 2 MiB: nothing more is read.
        let cut = try await StructureReader.probe(MediaReader(source), maxRounds: StructureReader.maxRounds, maxBytes: 2 << 20)
        #expect(cut.partitions.filter { $0.kind == .logical }.isEmpty)
        #expect(cut.defects.contains { $0.hasPrefix("structure probe stopped at its 2 MiB read limit: ") }, "\(cut.defects)")
        await source.close()
    }
}
