import ArgumentParser
import LinuxAIO

// The closed choices of the command line, typed: ArgumentParser parses them,
// lists their values in --help and names the option and the bad value in
// one line when a value is not one of them.

extension EngineChoice: ExpressibleByArgument {
    public static var allValueDescriptions: [String: String] {
        ["auto": "native AIO when io_setup is allowed, else threads",
         "aio": "Linux native AIO (io_submit)",
         "threads": "pread/pwrite on a small thread pool"]
    }
}

extension SyncLevel: ExpressibleByArgument {
    public static var allValueDescriptions: [String: String] {
        ["none": "the write completes when the device has accepted it",
         "data": "RWF_DSYNC (per-write O_DSYNC): data and the metadata to read it back",
         "full": "RWF_SYNC (per-write O_SYNC): data and all metadata"]
    }
}

/// `bench --mode`: the engine alone (like fio) or the page cache (like a user).
enum BenchMode: String, CaseIterable, Sendable, ExpressibleByArgument {
    case seq, rand, scroll, jumps, decode, priority

    static var allValueDescriptions: [String: String] {
        ["seq": "the engine, sequential blocks (like fio --rw=read)",
         "rand": "the engine, random blocks (like fio --rw=randread)",
         "scroll": "the page cache, a user holding Page Down",
         "jumps": "the page cache, random jumps",
         "decode": "the read path, the whole media in order (EWF: decode-only throughput)",
         "priority": "the read path, a visible read behind 31 queued readahead reads, against one read alone"]
    }

    /// scroll and jumps measure the page cache, not the engine.
    var isCacheMode: Bool { self == .scroll || self == .jumps }
    /// decode and priority measure the read path over any source (EWF too).
    var isReadPathMode: Bool { self == .decode || self == .priority }
}
