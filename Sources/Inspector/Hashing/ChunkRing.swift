import Glibc
import LinuxAIO

/// Hands chunks of the media from one async reader to the lane threads, in
/// order, through `depth` buffers: chunk k lives in buffer k % depth, and the
/// reader may read chunk k + depth into it only once every lane has released
/// chunk k, and only while fewer than `maxReads` reads are in flight. More
/// buffers than reads lets the lanes drift apart (one descheduled lane does
/// not stall the others) without more I/O in flight than the disk likes.
/// Lanes block (they are threads of their own); the reader awaits.
///
/// `@unchecked Sendable`: `lock` (a `ConditionLock`) guards every `var` below;
/// its condition is only waited on and signalled with it held. `buffers` belong to the reader
/// between `acquire` and `publish`, to the lanes between `next` and `release`.
final class ChunkRing: @unchecked Sendable {
    private enum Slot {
        case empty
        case filled(failed: Bool, lanesLeft: Int)
    }

    let buffers: [AlignedBuffer]
    let lanes: Int
    let maxReads: Int
    private let lock = ConditionLock()
    private var slots: [Slot]
    /// Per buffer: the chunk the reader may read into it next.
    private var nextChunk: [Int]
    private var waiter: (chunk: Int, cont: CheckedContinuation<Bool, Never>)?
    private var cancelled = false
    /// Chunks released by every lane (they are released in order).
    private var released = 0
    /// Reads acquired and not published yet.
    private var reading = 0

    /// - Throws: `EngineError.allocationFailed` when the buffers cannot be had.
    init(depth: Int, chunkSize: Int, alignment: Int, lanes: Int, maxReads: Int) throws(EngineError) {
        self.maxReads = max(1, maxReads)
        var buffers: [AlignedBuffer] = []
        for _ in 0..<depth { buffers.append(try AlignedBuffer(checked: chunkSize, alignment: max(alignment, 4096))) }
        self.buffers = buffers
        self.lanes = lanes
        slots = Array(repeating: .empty, count: depth)
        nextChunk = Array(0..<depth)
    }

    var depth: Int { buffers.count }

    private func locked<R>(_ body: () -> R) -> R { lock.withLock(body) }

    /// With the lock held: the reader may read `chunk` now.
    private func mayRead(_ chunk: Int) -> Bool { nextChunk[chunk % depth] == chunk && reading < maxReads }

    /// With the lock held: the waiting reader, if it may go on now (counted as reading).
    private func takeWaiter() -> CheckedContinuation<Bool, Never>? {
        guard let w = waiter, mayRead(w.chunk) else { return nil }
        waiter = nil
        reading += 1
        return w.cont
    }

    /// Reader: waits until the buffer of `chunk` is free and a read may
    /// start. False once cancelled. Called for chunks in order, by one reader.
    func acquire(_ chunk: Int) async -> Bool {
        await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in
            let now: Bool? = locked {
                if cancelled { return false }
                if mayRead(chunk) {
                    reading += 1
                    return true
                }
                waiter = (chunk, cont)
                return nil
            }
            if let now { cont.resume(returning: now) }
        }
    }

    /// Reader: `chunk` is in its buffer (or failed to read).
    func publish(_ chunk: Int, failed: Bool) {
        let resume: CheckedContinuation<Bool, Never>? = locked {
            slots[chunk % depth] = .filled(failed: failed, lanesLeft: lanes)
            reading -= 1
            lock.broadcast()
            return takeWaiter()
        }
        if let resume { NativeThread.handingBack { resume.resume(returning: true) } }
    }

    /// Lane: blocks until `chunk` is in its buffer; returns whether its read
    /// failed, or nil once cancelled.
    func next(_ chunk: Int) -> (buffer: AlignedBuffer, failed: Bool)? {
        lock.withLock {
            while true {
                if cancelled { return nil }
                let i = chunk % depth
                if nextChunk[i] == chunk, case let .filled(failed, _) = slots[i] {
                    return (buffers[i], failed)
                }
                lock.wait()
            }
        }
    }

    /// Lane: done with `chunk`. Returns the chunks now released by every lane
    /// when this call completed one, else nil.
    func release(_ chunk: Int) -> Int? {
        let i = chunk % depth
        var resume: CheckedContinuation<Bool, Never>?
        let done: Int? = locked {
            guard case let .filled(failed, left) = slots[i] else { return nil }
            if left > 1 {
                slots[i] = .filled(failed: failed, lanesLeft: left - 1)
                return nil
            }
            slots[i] = .empty
            nextChunk[i] = chunk + depth
            released = chunk + 1
            resume = takeWaiter()
            return released
        }
        if let resume { NativeThread.handingBack { resume.resume(returning: true) } }
        return done
    }

    /// Wakes every lane and the reader; they stop.
    func cancel() {
        var resume: CheckedContinuation<Bool, Never>?
        locked {
            cancelled = true
            resume = waiter?.cont
            waiter = nil
            lock.broadcast()
        }
        if let resume { NativeThread.handingBack { resume.resume(returning: false) } }
    }
}

/// A value a thread hands to a task once.
///
/// `@unchecked Sendable`: the `Protected` lock guards the value and the waiting continuation.
final class OneShot<Value: Sendable>: @unchecked Sendable {
    private let state = Protected<(value: Value?, cont: CheckedContinuation<Value, Never>?)>((nil, nil))

    func set(_ value: Value) {
        let cont = state.withLock { s -> CheckedContinuation<Value, Never>? in
            if let c = s.cont {
                s.cont = nil
                return c
            }
            s.value = value
            return nil
        }
        if let cont { NativeThread.handingBack { cont.resume(returning: value) } }
    }

    func wait() async -> Value {
        await withCheckedContinuation { (cont: CheckedContinuation<Value, Never>) in
            let v = state.withLock { s -> Value? in
                if let v = s.value { return v }
                s.cont = cont
                return nil
            }
            if let v { cont.resume(returning: v) }
        }
    }
}
