import BlockDevice
import Inspector
internal import CLinuxAIO
import Glibc
import LinuxAIO
import TestSupport

/// A test-only `BlockSource` over a real file opened with O_DIRECT and read
/// through a real `AioContext`.
final class DirectFileSource: BlockSource {
    let path: String
    let kind = SourceKind.regularFile
    let geometry: Geometry
    let engine: any IOEngine
    let fd: Int32

    /// `threaded`: read through `ThreadPoolEngine` (the fallback) instead of AIO.
    init(path: String, slots: Int = 4, threaded: Bool = false) throws {
        let fd = open(path, O_RDONLY | cla_O_DIRECT)
        guard fd >= 0 else { throw TestFailure("open(\(path), O_DIRECT): errno \(errno)") }
        var st = stat()
        guard fstat(fd, &st) == 0 else { Glibc.close(fd); throw TestFailure("fstat \(path)") }
        let align = DirectIOAlignment.query(fd: fd) ?? .conservative
        self.path = path
        self.fd = fd
        geometry = Geometry(size: Int64(st.st_size), logicalSectorSize: 512, physicalSectorSize: 512, alignment: align)
        do {
            engine = threaded ? ThreadPoolEngine(slots: slots) : try AioContext(slots: slots)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await engine.read(fd, at: offset, into: buffer, length: length)
    }

    func close() async {
        await engine.shutdown()
        Glibc.close(fd)
    }
}

/// Wraps a source; reads overlapping `failing` ranges throw EIO (as a
/// vanished or damaged device would) and every read is logged.
final class FaultySource: BlockSource {
    let inner: any BlockSource
    /// Guards the failing ranges and the log of reads.
    private let faults = Protected<(failing: [Range<Int64>], log: [Int64])>(([], []))

    init(_ inner: any BlockSource) { self.inner = inner }

    var path: String { inner.path }
    var kind: SourceKind { inner.kind }
    var geometry: Geometry { inner.geometry }
    var engine: any IOEngine { inner.engine }

    func fail(_ range: Range<Int64>) { faults.withLock { $0.failing.append(range) } }
    func heal() { faults.withLock { $0.failing.removeAll() } }
    var readOffsets: [Int64] { faults.withLock { $0.log } }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        let bad = faults.withLock { f -> Bool in
            f.log.append(offset)
            return f.failing.contains { $0.overlaps(offset..<(offset + Int64(length))) }
        }
        if bad {
            throw IOError(operation: .read, fd: -1, path: path, offset: offset, length: length, errno: Errno(EIO))
        }
        return try await inner.read(at: offset, into: buffer, length: length)
    }

    func close() async { await inner.close() }
}

/// Wraps a source; each read waits until the test releases it, so that the
/// order of submissions can be observed.
final class GatedSource: BlockSource {
    let inner: any BlockSource
    /// Guards the reads waiting for release and the log of offsets.
    private let gate = Protected<(waiting: [(Int64, CheckedContinuation<Void, Never>)], log: [Int64])>(([], []))

    init(_ inner: any BlockSource) { self.inner = inner }

    var path: String { inner.path }
    var kind: SourceKind { inner.kind }
    var geometry: Geometry { inner.geometry }
    var engine: any IOEngine { inner.engine }
    var submitted: [Int64] { gate.withLock { $0.log } }
    var waitingCount: Int { gate.withLock { $0.waiting.count } }

    /// Lets the oldest waiting read at `offset` proceed; false if none waits.
    @discardableResult
    func release(_ offset: Int64) -> Bool {
        let c = gate.withLock { g -> CheckedContinuation<Void, Never>? in
            guard let i = g.waiting.firstIndex(where: { $0.0 == offset }) else { return nil }
            return g.waiting.remove(at: i).1
        }
        c?.resume()
        return c != nil
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        await withCheckedContinuation { c in
            gate.withLock { $0.waiting.append((offset, c)); $0.log.append(offset) }
        }
        return try await inner.read(at: offset, into: buffer, length: length)
    }

    func close() async { await inner.close() }
}

/// Test files live on a disk file system (O_DIRECT is meaningless on tmpfs).
enum TestFiles {
    static let directory = "/var/tmp"

    /// A file of `size` bytes where byte i is `pattern(i)`.
    static func make(size: Int, name: String = #function) throws -> String {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        let path = "\(directory)/blkview-cache-\(clean)-\(getpid()).bin"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw TestFailure("create \(path): errno \(errno)") }
        defer { close(fd) }
        let bytes = (0..<size).map(pattern)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == size else { throw TestFailure("write \(path)") }
        return path
    }

    static func pattern(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
}

extension PageCacheDriver {
    /// The tests' shorthand: a cache over `source` through its own read path.
    convenience init(source: any BlockSource, configuration: PageCacheConfiguration? = nil) throws(PageCacheError) {
        try self.init(reader: MediaReader(source), configuration: configuration)
    }

    static func defaultConfiguration(for source: any BlockSource) -> PageCacheConfiguration {
        defaultConfiguration(for: MediaReader(source))
    }
}
