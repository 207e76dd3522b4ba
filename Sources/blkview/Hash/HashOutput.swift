import Foundation
import Glibc
import Inspector
import LinuxAIO

/// What `hash` prints: aligned text lines, or one JSON object.
struct HashOutput {
    let path: String
    let report: HashReport
    /// The algorithms asked for (others may have been computed for --verify).
    let shown: [HashAlgorithm]
    let checks: [HashCheck]

    func text() -> String {
        var s = ""
        let algos = Set(shown).union(checks.map(\.algorithm)).sorted()
        for a in algos { if let d = report.digests[a] { s += "\(pad(a.rawValue + ":"))\(d)\n" } }
        let r = report.range
        s += "\(pad("size:"))\(r.length) bytes" + (r.offset > 0 ? " from offset \(r.offset)" : "")
        s += String(format: " (%@) in %.2f s, %.0f MB/s\n", ByteSize.format(r.length), report.seconds,
                    report.bytesPerSecond / 1e6)
        if report.holeBytes > 0 {
            s += "\(pad("holes:"))\(report.holeBytes) bytes (\(ByteSize.format(report.holeBytes))) in holes, hashed as zeros without reading\n"
        }
        for e in report.readErrors { s += "\(pad("unreadable:"))\(e)\n" }
        for c in checks { s += "\(pad(c.matches ? "verified:" : "MISMATCH:"))\(c)\n" }
        return s
    }

    private func pad(_ label: String) -> String { label.padding(toLength: 12, withPad: " ", startingAt: 0) }

    struct JSON: Encodable {
        struct ReadError: Encodable { let offset: Int64; let length: Int; let message: String }
        struct Check: Encodable {
            let algorithm: String
            let expected: String
            let computed: String?
            let match: Bool
            let reference: String
        }
        let path: String
        let offset: Int64
        let size: Int64
        let md5: String?
        let sha1: String?
        let sha256: String?
        let seconds: Double
        let hole_bytes: Int64
        let read_errors: [ReadError]
        let verify: [Check]?
        let verified: Bool?
    }

    func json() -> String {
        let algos = Set(shown).union(checks.map(\.algorithm))
        func d(_ a: HashAlgorithm) -> String? { algos.contains(a) ? report.digests[a] : nil }
        let j = JSON(
            path: path, offset: report.range.offset, size: report.range.length,
            md5: d(.md5), sha1: d(.sha1), sha256: d(.sha256), seconds: (report.seconds * 1000).rounded() / 1000,
            hole_bytes: report.holeBytes,
            read_errors: report.readErrors.map { .init(offset: $0.offset, length: $0.length, message: $0.message) },
            verify: checks.isEmpty ? nil : checks.map {
                .init(algorithm: $0.algorithm.rawValue, expected: $0.expected, computed: $0.computed, match: $0.matches,
                      reference: $0.reference)
            },
            verified: checks.isEmpty ? nil : checks.allSatisfy(\.matches))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? enc.encode(j)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Reads a small file (a `--verify` log) read-only, with O_NOATIME where the
/// kernel allows it: a log kept beside the evidence keeps its access time.
enum ReadOnlyFile {
    static func read(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let noatime: Int32 = 0o1000000  // O_NOATIME on Linux (hidden behind _GNU_SOURCE)
        var opened = Syscall.retrying { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | noatime) }
        if case let .failure(e) = opened, e.rawValue == EPERM {  // not the owner: O_NOATIME refused
            opened = Syscall.retrying { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        }
        guard case let .success(fd) = opened else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            guard case let .success(n) = Syscall.retrying({ buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }),
                  n > 0 else { break }
            out += buf[0..<n]
        }
        return out
    }
}
