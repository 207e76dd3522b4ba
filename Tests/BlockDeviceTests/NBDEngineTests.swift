@testable import BlockDevice
import Foundation
import Glibc
import LinuxAIO
import TestSupport
import Testing

/// The NBD engine in process, against nbdkit on a unix socket: slots,
/// the read path's in-flight table and the engine's histograms, holes
/// from base:allocation, errors for exactly the failed range.
@Suite("NBD engine (nbdkit)", .enabled(if: Capability.have("nbdkit"), "nbdkit is not installed"))
struct NBDEngineTests {
    /// Starts nbdkit on a socket in `dir`; returns the URI and the pid.
    static func serve(_ dir: String, _ args: [String]) throws -> (uri: String, pid: Int32) {
        let sock = "\(dir)/s.sock", pidFile = "\(dir)/s.pid"
        let r = try Subprocess.run("nbdkit", ["-U", sock, "-P", pidFile] + args)
        guard r.status == 0 else { throw TestFailure("nbdkit: \(r.stderr)") }
        for _ in 0..<200 {
            if let t = try? String(contentsOfFile: pidFile, encoding: .utf8), let p = Int32(t.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return ("nbd+unix:///?socket=\(sock)", p)
            }
            usleep(50_000)
        }
        throw TestFailure("nbdkit wrote no pid file")
    }

    @Test("rdelay=100ms, 8 slots, 24 reads at once: 8 in flight in the read path and the engine, histograms filled, bytes right")
    func slotsAndStatistics() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("raw", count: 4 << 20, seed: 21)
        let (uri, pid) = try Self.serve(s.path, ["--filter=delay", "file", s.file("raw"), "rdelay=100ms"])
        defer { kill(pid, SIGTERM) }
        let src = try BlockSources.open(path: uri, options: BlockSourceOptions(slots: 8))
        #expect(src.kind == .nbd && src.geometry.size == 4 << 20)
        let reader = MediaReader(src)
        #expect(reader.statistics().engine == "nbd ×8")
        let results = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { g in
            for i in 0..<24 {
                g.addTask {
                    let b = AlignedBuffer(count: 65536)
                    let n = try await reader.read(at: Int64(i) * 65536, into: b, length: 65536, as: i < 4 ? .visible : .background)
                    return (i, b.copyBytes(count: n))
                }
            }
            // While they run: the read path and the engine each show 8.
            var most = (reads: 0, engine: 0)
            for _ in 0..<40 {
                try await Task.sleep(nanoseconds: 10_000_000)
                most.reads = max(most.reads, reader.statistics().inFlight.count)
                most.engine = max(most.engine, src.engine.statistics().inFlight.count)
            }
            #expect(most.reads == 8 && most.engine == 8, "\(most)")
            var out: [(Int, [UInt8])] = []
            for try await r in g { out.append(r) }
            return out
        }
        for (i, got) in results { #expect(got == Array(bytes[(i * 65536)..<((i + 1) * 65536)]), "read \(i)") }
        let io = src.engine.statistics()
        #expect(io.completed[.read] == 24 && io.inFlight.isEmpty)
        let p50 = io.latency[.read]?.valueAtPercentile(50) ?? 0
        #expect(p50 >= 90_000, "p50 \(p50) µs under a 100 ms delay")
        #expect(reader.statistics()[.visible].completed == 4)
        await reader.close()
    }

    @Test("holes from base:allocation; a failed range is an IOError naming exactly that range")
    func holesAndErrors() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("sparse")
        try Subprocess.sh("truncate -s 8M '\(path)' && head -c 1M /dev/urandom | dd of='\(path)' bs=1M seek=2 conv=notrunc status=none")
        let map = "# Rescue Logfile\n0x00000000 + 1\n0x00000000 0x00500000 +\n0x00500000 0x00001000 -\n0x00501000 0x002FF000 +\n"
        try map.write(toFile: s.file("map"), atomically: true, encoding: .utf8)
        let (uri, pid) = try Self.serve(s.path, ["--filter=ddrescue", "file", path, "ddrescue-mapfile=\(s.file("map"))"])
        defer { kill(pid, SIGTERM) }
        let reader = MediaReader(try BlockSources.open(path: uri))
        let extents = try #require(reader.dataExtents())
        #expect(extents.contains { $0.contains(2 << 20) } && !extents.contains { $0.contains(6 << 20) }, "\(extents)")
        let b = AlignedBuffer(count: 65536)
        do {
            _ = try await reader.read(at: 0x500000, into: b, length: 65536, as: .visible)
            Issue.record("the bad range read")
        } catch let e as IOError {
            #expect(e.offset == 0x500000 && e.length == 65536 && e.errno == .EIO, "\(e)")
            #expect(e.description.contains(uri) && e.description.contains("I/O error in this range"), "\(e)")
        }
        #expect(try await reader.read(at: 0x510000, into: b, length: 65536, as: .visible) == 65536)
        await reader.close()
    }
}
