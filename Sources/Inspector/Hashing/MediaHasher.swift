import BlockDevice
import Foundation
import Glibc
import LinuxAIO

/// Hashes a source's media (the reassembled stream for split and EWF sets)
/// with several algorithms in one pass of reads.
///
/// One async reader keeps up to `tuning.depth` aligned reads in flight
/// through the read path in the background class (AioContext over O_DIRECT
/// where possible),
/// or copies a chunk the page cache already holds (`MediaReader.readResident`);
/// completed chunks go, in order, to one thread per lane of algorithms
/// (`MultiDigest.lanes`), which all hash the same buffers. A buffer is read
/// again only when every lane is done with it. Threads, not tasks: hashing
/// blocks a core for seconds, which the cooperative pool must never see.
public enum MediaHasher {
    /// Hashes `range` of `media` (the whole media when nil).
    ///
    /// A failed read does not stop the pass: every chunk is still read, so
    /// that the report lists every unreadable range, but no digest is given.
    ///
    /// - Parameter progress: bytes hashed so far, at most ~10 times a second
    ///   and once at the end, from a lane thread.
    /// - Throws: `CancellationError` when the task is cancelled (the threads
    ///   stop and the reads in flight complete first).
    public static func hash(
        _ media: MediaReader,
        algorithms: [HashAlgorithm],
        range: HashRange? = nil,
        tuning: HashTuning = .command,
        progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws -> HashReport {
        let started = monotonicNanoseconds()
        let range = range ?? HashRange(offset: 0, length: media.geometry.size)
        var lanePlan = MultiDigest.lanes(for: algorithms)
        while lanePlan.count > tuning.maxLanes {
            let last = lanePlan.removeLast()
            lanePlan[lanePlan.count - 1] += last
        }
        func seconds() -> Double { Double(monotonicNanoseconds() - started) / 1e9 }
        guard range.length > 0 else {
            return HashReport(range: range, digests: MultiDigest(algorithms).finalize(), readErrors: [], seconds: seconds())
        }
        let plan = ChunkPlan(range: range, alignment: media.geometry.alignment, chunkSize: tuning.chunkSize)
        let ring = try ChunkRing(depth: max(1, min(tuning.buffers, plan.count)), chunkSize: plan.chunkSize,
                             alignment: media.geometry.alignment.memory, lanes: lanePlan.count, maxReads: tuning.depth)
        let throttle = ProgressThrottle(progress)
        let critical = lanePlan.count > 1 && lanePlan[0].contains(.md5)
        var results: [OneShot<[HashAlgorithm: String]?>] = []
        do {
            for (i, lane) in lanePlan.enumerated() {
                results.append(try LaneThread.start(lane, plan: plan, ring: ring, background: tuning.background,
                                                    yields: critical && i > 0, progress: throttle))
            }
        } catch {
            // A lane that cannot start: stop those that did, then report.
            ring.cancel()
            for r in results { _ = await r.wait() }
            throw error
        }
        let errors = Protected<[HashReadError]>([])
        // Holes read as zeros: their chunks are zero-filled, not read (a
        // chunk with any data in it is read whole).
        let data = DataMap(media.dataExtents(), size: media.geometry.size)
        let holeBytes = Protected<Int64>(0)
        // Copies from the page cache (a reader made with `residentReads`) run
        // on a thread of their own at the yielding priority: where it and a
        // lane share a core, the lane goes first (and the cooperative pool
        // never blocks in pread). A copier that cannot start takes no job:
        // its chunks go to the read path.
        let copier = tuning.warmReads && media.residentReads ? WorkerPool(threads: 1, name: "blkview-hash-copy") : nil
        defer { copier?.stop(wait: false) }
        let background = tuning.background
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for k in 0..<plan.count {
                    guard await ring.acquire(k) else { break }
                    let buffer = ring.buffers[k % ring.depth]
                    group.addTask {
                        let (offset, readLength, expected) = plan.read(k)
                        var failure: String?
                        do {
                            let n = if !data.intersects(offset..<offset + Int64(readLength)) {
                                buffer.zero(count: readLength, counting: expected, into: holeBytes)
                            } else if let copier, copier.startFailure == nil,
                                       media.isResident(offset: offset, length: readLength) {
                                try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int, any Error>) in
                                    let queued = copier.enqueue {
                                        LaneThread.yieldPriority(background: background)
                                        let r = Result { try media.readResident(at: offset, into: buffer, length: readLength, as: .background) }
                                        NativeThread.handingBack { cont.resume(with: r) }
                                    }
                                    if !queued { cont.resume(throwing: CancellationError()) }
                                }
                            } else {
                                try await media.read(at: offset, into: buffer, length: readLength, as: .background)
                            }
                            if n < expected { failure = "short read: \(n) of \(expected) bytes (the media shrank?)" }
                        } catch {
                            failure = "\(error)"
                        }
                        if let failure {
                            errors.withLock { $0.append(HashReadError(offset: offset, length: expected, message: failure)) }
                        }
                        ring.publish(k, failed: failure != nil)
                    }
                }
            }
        } onCancel: {
            ring.cancel()
        }
        var digests: [HashAlgorithm: String] = [:]
        var complete = true
        for r in results {
            if let d = await r.wait() { digests.merge(d) { a, _ in a } } else { complete = false }
        }
        if Task.isCancelled { throw CancellationError() }
        let readErrors = errors.withLock { $0 }.sorted { $0.offset < $1.offset }
        return HashReport(range: range, digests: complete && readErrors.isEmpty ? digests : [:],
                          readErrors: readErrors, seconds: seconds(), holeBytes: holeBytes.withLock { $0 })
    }
}

/// Which reads cover a range: aligned chunks from the aligned-down start.
struct ChunkPlan: Sendable {
    let range: HashRange
    let chunkSize: Int
    let alignedStart: Int64
    let offsetAlignment: Int
    let count: Int

    init(range: HashRange, alignment: DirectIOAlignment, chunkSize: Int) {
        self.range = range
        let a = max(1, alignment.offset)
        offsetAlignment = a
        self.chunkSize = (chunkSize + a - 1) / a * a
        alignedStart = range.offset / Int64(a) * Int64(a)
        let span = range.offset + range.length - alignedStart
        count = Int((span + Int64(self.chunkSize) - 1) / Int64(self.chunkSize))
    }

    var end: Int64 { range.offset + range.length }

    /// Chunk `k`: where to read, how much to ask for (aligned), and how many
    /// bytes must come back (up to the end of the range).
    func read(_ k: Int) -> (offset: Int64, length: Int, expected: Int) {
        let offset = alignedStart + Int64(k) * Int64(chunkSize)
        let expected = Int(min(Int64(chunkSize), end - offset))
        let a = offsetAlignment
        return (offset, min(chunkSize, (expected + a - 1) / a * a), expected)
    }

    /// The bytes of chunk `k`'s buffer that belong to the range.
    func hashed(_ k: Int) -> Range<Int> {
        let r = read(k)
        let skip = k == 0 ? Int(range.offset - alignedStart) : 0
        return skip..<r.expected
    }

    /// Bytes of the range hashed once `chunks` chunks are done.
    func bytesDone(_ chunks: Int) -> Int64 {
        min(end, alignedStart + Int64(chunks) * Int64(chunkSize)) - range.offset
    }
}

/// Calls `progress` at most every 100 ms, and always for the last byte.
final class ProgressThrottle: Sendable {
    private let progress: @Sendable (Int64) -> Void
    private let last = Protected<UInt64>(0)

    init(_ progress: @escaping @Sendable (Int64) -> Void) { self.progress = progress }

    func report(_ done: Int64, final: Bool) {
        let now = monotonicNanoseconds()
        let due = last.withLock { t -> Bool in
            guard final || now - t >= 100_000_000 else { return false }
            t = now
            return true
        }
        if due { progress(done) }
    }
}

/// One lane: a thread that feeds every chunk, in order, to its digests.
enum LaneThread {
    /// Linux's SCHED_IDLE policy (<sched.h>; Glibc hides it behind _GNU_SOURCE).
    static let schedIdle: Int32 = 5
    /// The nice value of a lane that gives way to the MD5 lane.
    static let yieldingNice: Int32 = 5

    /// Lowers the calling thread's priority: SCHED_IDLE in the background
    /// (the viewer's `--hash`: run only when nothing else wants the core, so
    /// the UI never waits), else nice +5 (give way to the MD5 lane).
    /// - Returns: nil, or why the priority could not be lowered (the lane
    ///   then runs at normal priority: slower to give way, never wrong).
    @discardableResult
    static func yieldPriority(background: Bool) -> Errno? {
        if background {
            var param = sched_param(sched_priority: 0)
            // pthread_* return the error number instead of setting errno.
            let rc = pthread_setschedparam(pthread_self(), schedIdle, &param)
            return rc == 0 ? nil : Errno(rc)
        }
        // For this thread only (Linux: who 0 = the caller).
        if case let .failure(e) = Syscall.retrying({ setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, yieldingNice) }) {
            return e
        }
        return nil
    }

    /// - Parameter yields: the lane has less work than the MD5 lane, whose
    ///   time is the pass's: at nice +5 it gives way to that lane whenever the
    ///   two (and the reader) want the same core (measured: 2.50 s instead of
    ///   2.55-2.67 s for md5+sha1+sha256 of 2 GiB on 2 cores).
    static func start(_ algorithms: [HashAlgorithm], plan: ChunkPlan, ring: ChunkRing, background: Bool,
                      yields: Bool, progress: ProgressThrottle) throws(EngineError) -> OneShot<[HashAlgorithm: String]?> {
        let result = OneShot<[HashAlgorithm: String]?>()
        let name = "blkview-hash-" + algorithms.map(\.rawValue).joined(separator: "+")
        try NativeThread.start(name: name) {
            if background || yields { yieldPriority(background: background) }
            var digest = MultiDigest(algorithms)
            var failed = false
            for k in 0..<plan.count {
                guard let (buffer, readFailed) = ring.next(k) else {
                    result.set(nil)
                    return
                }
                failed = failed || readFailed
                if !failed {
                    let r = plan.hashed(k)
                    digest.update(UnsafeRawBufferPointer(start: buffer.baseAddress + r.lowerBound, count: r.count))
                }
                if let done = ring.release(k) {
                    progress.report(plan.bytesDone(done), final: done == plan.count)
                }
            }
            result.set(failed ? nil : digest.finalize())
        }
        return result
    }
}

extension AlignedBuffer {
    /// Zeroes the first `count` bytes (a chunk in a hole); adds the `expected`
    /// bytes it stands for to `total`. Returns `count`, as a read would.
    fileprivate func zero(count: Int, counting expected: Int, into total: Protected<Int64>) -> Int {
        baseAddress.initializeMemory(as: UInt8.self, repeating: 0, count: count)
        total.withLock { $0 += Int64(expected) }
        return count
    }
}
