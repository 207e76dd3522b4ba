import Foundation
import TestSupport
import Testing

/// `blkview bench --mode decode|priority`: the read path over a real E01
/// (libewf decoding), through the binary.
@Suite("blkview bench: the read path modes",
       .enabled(if: Capability.has("ewfacquire"), "ewfacquire is not installed (ewf-tools)"))
struct ReadPathBenchTests {
    /// An E01 of 8 MiB of a 16-symbol alphabet (every chunk really inflates).
    static func e01(_ dir: Scratch) throws -> String {
        var rng = SeededRandom(seed: 5)
        let words = (0..<(1 << 20)).map { _ in rng.next() & 0x0f0f_0f0f_0f0f_0f0f }
        let raw = try dir.write("disk.raw", words.withUnsafeBytes { Array($0) })
        let r = Subprocess.run(["ewfacquire", "-u", "-q", "-t", dir.file("img"), "-c", "fast", raw])
        guard r.status == 0 else { throw TestFailure("ewfacquire: \(r.trimmed) \(r.stderr)") }
        return dir.file("img.E01")
    }

    @Test("--mode decode reads the whole media through the read path and names the engine truthfully")
    func decode() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let r = try Harness.blkview("bench", try Self.e01(dir), "--mode", "decode", "--block-size", "1MiB", "--slots", "4", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(obj["bytes"] as? Int == 8 << 20)
        #expect((obj["mib_per_s"] as? Double ?? 0) > 0)
        #expect((obj["engine"] as? String)?.hasSuffix("decoders (pread)") == true, "\(r.stdout)")
    }

    @Test("--mode priority: the visible read comes out ahead of the queued readahead")
    func priority() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let r = try Harness.blkview("bench", try Self.e01(dir), "--mode", "priority", "--block-size", "128KiB", "--count", "3", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(obj["readahead_queued"] as? Int == 31)
        let queued = try #require(obj["readahead_queued_at_jump_mean"] as? Double)
        let after = try #require(obj["readahead_done_after_visible_mean"] as? Double)
        // Order, not time: what was queued at the jump (less the decodes
        // running and one dispatched meanwhile per decoder) completes after.
        let decoders = Double(ProcessInfo.processInfo.activeProcessorCount)
        #expect(after >= queued - 2 * decoders - 1, "\(r.stdout)")
        let alone = try #require(obj["read_alone_us"] as? [String: Double])
        #expect(alone["p50"] != nil && (obj["visible_behind_queue_us"] as? [String: Double])?["p50"] != nil)
    }
}
