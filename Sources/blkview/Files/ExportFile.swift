import Glibc
import Inspector
import LinuxAIO

/// A file `cat -o` and `export` write: bytes at offsets, holes left as holes
/// (never written: the file system allocates nothing for them), SHA-256 of
/// everything in order (holes count as their zeros).
///
/// `@unchecked Sendable`: `lock` guards `digest`, `position` and `fd`; it is
/// written from the thread that reads the worker's answers.
final class ExportFile: @unchecked Sendable {
    let path: String
    private let lock = ConditionLock()
    private var fd: Int32
    private var digest = MultiDigest([.sha256])
    private var position: Int64 = 0
    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    /// Creates (or truncates) `path`. Under --forensic, `evidence` are the
    /// evidence files: a destination in their directories is refused.
    init(path: String, evidence: [String]?) throws {
        if let evidence { try Self.refuseBeside(path, evidence: evidence) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Refuses `dest` when it is in (or below) the directory of an evidence file (symlinks resolved).
    static func refuseBeside(_ dest: String, evidence: [String]) throws {
        let destDir = resolvedDirectory(of: dest)
        for e in evidence {
            var dirs = [resolvedDirectory(of: e)]
            if let r = realPath(e) { dirs.append(parent(r)) }
            for d in dirs where destDir == d || (d != "/" && destDir.hasPrefix(d + "/")) {
                throw CLIError("-o \(dest): it is in the evidence directory \(d) (of \(e)): a forensic session writes nothing beside the evidence; choose a destination elsewhere")
            }
        }
    }

    private static func resolvedDirectory(of path: String) -> String {
        var dir = parent(absolute(path))
        var rest: [String] = []
        while realPath(dir) == nil, dir != "/" {
            rest.insert(String(dir.split(separator: "/").last ?? ""), at: 0)
            dir = parent(dir)
        }
        let base = realPath(dir) ?? dir
        return rest.reduce(base) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return "/" + path }
        let cwd = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (cwd == "/" ? "" : cwd) + "/" + path
    }

    private static func parent(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count <= 1 ? "/" : "/" + parts.dropLast().joined(separator: "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Bytes at `offset` (at or after the bytes before: gaps become holes).
    /// All-zero 4 KiB blocks are left as holes too, when `sparseZeros`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64, sparseZeros: Bool = false) throws {
        try lock.withLock {
            try fillHole(to: offset)
            digest.update(bytes)
            var done = 0
            while done < bytes.count {
                let n = min(4096, bytes.count - done)
                let piece = UnsafeRawBufferPointer(rebasing: bytes[done..<(done + n)])
                if !(sparseZeros && n == 4096 && piece.allSatisfy { $0 == 0 }) {
                    try pwriteAll(piece, at: offset + Int64(done))
                }
                done += n
            }
            position = offset + Int64(bytes.count)
        }
    }

    /// A hole of `length` bytes at `offset` (nothing written).
    func hole(at offset: Int64, length: Int64) throws {
        try lock.withLock {
            try fillHole(to: offset)
            digestZeros(length)
            position = offset + length
        }
    }

    private func fillHole(to offset: Int64) throws {
        guard offset >= position else { throw CLIError("\(path): data out of order at \(offset) (after \(position))") }
        digestZeros(offset - position)
        position = offset
    }

    private func digestZeros(_ n: Int64) {
        var left = n
        while left > 0 {
            let k = Int(min(left, Int64(Self.zeros.count)))
            Self.zeros.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<k])) }
            left -= Int64(k)
        }
    }

    private func pwriteAll(_ p: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < p.count {
            let r = pwrite(fd, p.baseAddress! + done, p.count - done, off_t(offset + Int64(done)))
            if r < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot write \(path) at \(offset + Int64(done)): \(String(cString: strerror(errno)))")
            }
            done += r
        }
    }

    /// Sets the size to `size` (a trailing hole), syncs, closes; the SHA-256 of the content.
    func finish(size: Int64) throws -> String {
        try lock.withLock {
            if size > position { digestZeros(size - position); position = size }
            guard ftruncate(fd, off_t(size)) == 0 else { throw CLIError("cannot set the size of \(path): \(String(cString: strerror(errno)))") }
            guard fsync(fd) == 0 else { throw CLIError("cannot sync \(path): \(String(cString: strerror(errno)))") }
            close(fd)
            fd = -1
            return digest.finalize()[.sha256] ?? ""
        }
    }
}
