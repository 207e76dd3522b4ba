import BlockDevice
import Glibc
import LinuxAIO

/// The worker's side: `blkview __fs-worker` calls `serve`. It opens the media
/// read-only, opens the file system with libtsk on a thread of its own (a big
/// stack: libtsk recurses), then answers one request line at a time from
/// stdin with frames on stdout until stdin closes.
public enum FileSystemWorker {
    /// Runs the worker; returns the process's exit status.
    /// - Parameter nice: when above 0, every thread of the worker runs at
    ///   this nice value (set for its whole process group, which a worker
    ///   started by `FileSystemSession` leads alone) and in the idle CPU
    ///   class (`IdleCPU`); threads started later inherit both.
    public static func serve(media: String, options: BlockSourceOptions, offset: Int64, interactive: Bool, nice: Int32 = 0) async -> Int32 {
        signal(SIGPIPE, SIG_IGN)  // a client that goes away is EPIPE, then exit
        if nice > 0, getpgrp() == getpid() {
            _ = setpriority(__priority_which_t(PRIO_PGRP.rawValue), 0, nice)
            IdleCPU.enterThisProcess()
        }
        let out = FrameOutput(fd: 1)
        let source: any BlockSource
        do { source = try BlockSources.open(path: media, options: options) } catch {
            out.fail("\(error)")
            return 1
        }
        let reader = MediaReader(source, residentReads: true)
        let status: Int32 = await withCheckedContinuation { (k: CheckedContinuation<Int32, Never>) in
            let started = BigStackThread.start(name: "blkview-tsk") {
                let bridge = MediaBridge(reader: reader, readClass: interactive ? .visible : .background)
                let volume: TSKVolume
                do { volume = try TSKVolume(bridge: bridge, offset: offset) } catch {
                    out.fail("\(error)")
                    k.resume(returning: 1)
                    return
                }
                out.info(volume.info)
                var loop = WorkerLoop(volume: volume, out: out)
                loop.run()
                k.resume(returning: 0)
            }
            if !started {
                out.fail("cannot start the libtsk thread")
                k.resume(returning: 1)
            }
        }
        await reader.close()
        return status
    }
}

/// Frames to the client; a write failure (the client went away) exits.
final class FrameOutput: Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }

    func flush(_ w: inout FrameWriter) {
        guard !w.bytes.isEmpty else { return }
        let failed = w.bytes.withUnsafeBytes { Syscall.writeAll(fd, $0) }
        if failed != nil { _exit(0) }  // no reader: nothing more to do
        w.removeAll()
    }

    func fail(_ message: String) {
        var w = FrameWriter()
        w.begin(.failure)
        w.field(String(message.split(separator: "\n").first ?? ""))
        w.end()
        flush(&w)
    }

    func info(_ i: FSInfo) {
        var w = FrameWriter()
        w.begin(.info)
        w.field(i.type)
        w.field(i.blockSize)
        w.field(i.blockCount)
        w.field(i.lastBlock)
        w.field(i.firstInode)
        w.field(i.lastInode)
        w.field(i.rootInode)
        w.field(i.offset)
        w.field(i.regions.journalInode.map(String.init))
        w.field(i.regions.fatFirstSector)
        w.field(i.regions.fatSectors)
        w.field(i.regions.fatCount)
        w.field(i.regions.mftRecordSize)
        w.end()
        flush(&w)
    }
}

/// A detached pthread with a 64 MiB stack (libtsk's directory walks recurse).
enum BigStackThread {
    private final class Start {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let ctx = Unmanaged.passRetained(Start(body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, 64 << 20)
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { p in
            let s = Unmanaged<Start>.fromOpaque(p!).takeRetainedValue()
            s.body()
            return nil
        }, ctx)
        pthread_attr_destroy(&attr)
        if rc != 0 { Unmanaged<Start>.fromOpaque(ctx).release(); return false }
        _ = name
        return true
    }
}

/// Reads request lines from a descriptor (blocking: the libtsk thread's own).
struct LineInput {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { Syscall.read(fd, $0.baseAddress!, 4096) }
            guard case let .success(count) = n, count > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<count])
            if buffer.count > 1 << 20 { return nil }  // no request is that long
        }
    }
}
