import ArgumentParser
import BlockDevice
import Foundation
import Inspector
import LinuxAIO

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the I/O engine on a file or device (throughput, IOPS, latency).",
        discussion: """
        Reads (or, with --write, writes) through AioContext with O_DIRECT, keeping \
        one request in flight per slot, like fio --ioengine=libaio --direct=1 \
        --iodepth=SLOTS. --write only writes to an existing regular file, never to \
        a device. scripts/bench-vs-fio.sh compares with fio in the same run.
        """
    )

    @Argument(help: "The file or block device to measure.")
    var path: String

    @Option(help: "What to measure: the engine (like fio), the page cache (like a user) or the read path over any source, EWF too (decode, priority).")
    var mode: BenchMode = .seq

    @Option(name: .long, help: "Request size: 4096, 4k, 4KiB, 1m, 1MiB.")
    var blockSize = ByteCount(1 << 20)

    @Option(help: "AioContext submission slots (queue depth).")
    var slots: Int = 8

    @Option(help: "Seconds to run.")
    var duration: Double = 5

    @Flag(help: "Write instead of read (an existing regular file only; its data is overwritten).")
    var write = false

    @Option(help: "Sync level of writes (with --write).")
    var sync: SyncLevel = .none

    @Option(help: "I/O engine.")
    var engine: EngineChoice = .auto

    @Option(help: "Seed for the random offsets.")
    var seed: UInt64 = 1

    @Option(help: "scroll/jumps: screens per second.")
    var pagesPerSecond: Double = 60

    @Option(help: "jumps: how many random jumps.")
    var count: Int = 1000

    /// scroll/jumps: the page cache's page size and budget.
    @OptionGroup var cacheSize: CacheOptions

    @Flag(help: "Print exactly one JSON object.")
    var json = false

    func validate() throws {
        if mode.isCacheMode {
            guard pagesPerSecond > 0 && pagesPerSecond <= 100_000 else { throw ValidationError("--pages-per-second must be between 0 and 100000") }
            guard count > 0 else { throw ValidationError("--count must be at least 1") }
            if write { throw ValidationError("--write does not apply to --mode \(mode.rawValue)") }
        }
        let bs = blockSize.bytes
        guard bs >= 512, bs <= 64 << 20, blockSize.isPowerOfTwo || bs % 4096 == 0 else {
            throw ValidationError("--block-size must be a size from 512 B to 64 MiB, a multiple of 4 KiB or a power of two (got '\(bs)')")
        }
        try SourceOptions.validateSlots(slots)
        guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be between 0 and 3600 seconds") }
        if sync != .none && !write { throw ValidationError("--sync applies to --write only") }
        if mode.isReadPathMode && write { throw ValidationError("--write does not apply to --mode \(mode.rawValue)") }
    }

    func run() async throws {
        if mode.isReadPathMode { return try await runReadPathBench() }
        guard let pattern = IOBenchConfig.Pattern(rawValue: mode.rawValue) else { return try await runCacheBench() }
        let blockSize = blockSize.int
        let target = try BenchTarget.open(path, write: write)
        defer { close(target.fd) }
        guard target.size >= Int64(blockSize) else {
            throw CLIError("\(path) is \(target.size) bytes, smaller than one \(blockSize)-byte block")
        }
        let config = IOBenchConfig(pattern: pattern, blockSize: blockSize, slots: slots,
                                   seconds: duration, write: write, sync: sync, engine: engine, seed: seed)
        let progress = Terminal.isTTY(2) ? ProgressLine() : nil
        let label = "\(mode.rawValue) \(write ? "write" : "read")"
        var onProgress: (@Sendable (Int, Int64, Double) -> Void)?
        if let progress {
            onProgress = { ops, bytes, secs in
                let mibs = Double(bytes) / max(secs, 1e-9) / 1_048_576
                progress.show("\(label): \(ops) ops, \(String(format: "%.1f", mibs)) MiB/s, \(String(format: "%.1f", secs)) s")
            }
        }
        let report = try await IOBench.run(fd: target.fd, size: target.size, alignment: target.alignment,
                                           config: config, progress: onProgress)
        progress?.clear()
        print(json ? report.json : report.text)
    }
}

/// The descriptor bench measures: O_DIRECT, read-only unless --write.
struct BenchTarget {
    let fd: Int32
    let size: Int64
    let alignment: DirectIOAlignment

    static func open(_ path: String, write: Bool) throws -> BenchTarget {
        var st = stat()
        if case let .failure(e) = Syscall.retrying({ stat(path, &st) }) { throw CLIError("cannot open \(path): \(e)") }
        let type = st.st_mode & S_IFMT
        if write && type != S_IFREG {
            throw CLIError("refusing to write to \(path): bench --write only writes to an existing regular file")
        }
        guard type == S_IFREG || type == S_IFBLK else {
            throw CLIError("cannot bench \(path): not a regular file or block device")
        }
        let flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | DirectIO.flag
        let fd: Int32
        switch Syscall.retrying({ Glibc.open(path, flags) }) {
        case let .success(opened): fd = opened
        case let .failure(e):
            let hint = e.rawValue == EINVAL ? " — the file system refuses O_DIRECT" : ""
            throw CLIError("cannot open \(path) \(write ? "for writing" : "for reading") with O_DIRECT: \(e)\(hint)")
        }
        let end: Int
        switch Syscall.retrying({ lseek(fd, 0, SEEK_END) }) {
        case let .success(e): end = e
        case let .failure(e):
            Glibc.close(fd)
            throw CLIError("cannot find the size of \(path): \(e)")
        }
        let alignment = DirectIOAlignment.query(fd: fd) ?? .conservative
        return BenchTarget(fd: fd, size: Int64(end), alignment: alignment)
    }
}

extension BenchCommand {
    /// `--mode scroll|jumps`: a user holding Page Down, or jumping around,
    /// over the page cache on a read-only source.
    func runCacheBench() async throws {
        let options = SourceOptions(slots: slots, engine: engine, sectorSize: nil)
        let source = try options.open(path)
        var o = ScrollBenchOptions()
        o.mode = mode == .scroll ? .scroll : .jumps
        o.pagesPerSecond = pagesPerSecond
        o.duration = duration
        o.count = count
        o.seed = seed
        o.pageSize = cacheSize.pageSize.int
        o.cacheBytes = cacheSize.cache.int
        let report: ScrollBenchReport
        do {
            report = try await runScrollBench(source: source, options: o)
        } catch {
            await source.close()
            throw error
        }
        await source.close()
        print(json ? report.json() : report.json(pretty: true))
    }
}

extension BenchCommand {
    /// `--mode decode|priority`: the read path over any source (EWF too);
    /// JSON only. --slots is the reads in flight (decode); --count the rounds (priority).
    func runReadPathBench() async throws {
        let source = try SourceOptions(slots: slots, engine: engine, sectorSize: nil).open(path)
        let reader = MediaReader(source)
        do {
            let out = mode == .decode
                ? try await ReadPathBench.decode(reader, blockSize: blockSize.int, inFlight: slots)
                : try await ReadPathBench.priority(reader, blockSize: blockSize.int, queued: 31, rounds: min(count, 200), seed: seed)
            await reader.close()
            print(out)
        } catch {
            await reader.close()
            throw error
        }
    }
}
