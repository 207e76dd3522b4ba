import CursesUI
import Foundation
import Inspector
import LinuxAIO

/// The render loop: on its own thread (never the cooperative pool), it draws
/// a frame whenever something changed, waits for a key or a wake-up, and
/// feeds both to the reducer. It never awaits I/O.
final class ViewerLoop {
    private let session: ViewerSession
    private var state: ViewerState
    private let wakeRead: Int32
    private let stats: FrameStats

    init(session: ViewerSession, state: ViewerState, wakeRead: Int32, stats: FrameStats) {
        self.session = session
        self.state = state
        self.wakeRead = wakeRead
        self.stats = stats
    }

    /// Runs until the user quits; restores the terminal on the way out.
    func run() {
        let term = TerminalScreen()
        defer { term.end() }
        state.width = term.width
        state.height = term.height
        state.glyphs = term.unicode ? .unicode : .ascii
        state.announceStart()
        var cells: [ByteCell] = []
        var keyTime: UInt64?
        var keyCount = 0
        while true {
            let t0 = monotonicNanoseconds()
            session.show(state)
            let snap = session.snapshot(for: state, cells: &cells)
            let frame = ViewerRenderer.render(state, snap)
            term.draw(frame)
            let t1 = monotonicNanoseconds()
            stats.frame(start: t0, end: t1, keyAt: keyTime, keys: keyCount, pending: snap.cells.contains(.pending),
                        map: state.files.mapBuilding ? .building : state.files.mapsReady ? .ready : .none,
                        filling: state.mapView.map.map { [.holes, .coarse, .refining].contains($0.phase) } ?? false)
            keyTime = nil
            keyCount = 0
            if state.quit { break }
            let busy = !state.panels.isEmpty || state.search.progress != nil || snap.cells.contains(.pending)
            let keys = term.readKeys(timeoutMilliseconds: busy ? 100 : 1000, wakeFD: wakeRead)
            if !keys.isEmpty { keyTime = monotonicNanoseconds() }
            keyCount = keys.count
            var events = session.takeEvents()
            for k in keys {
                if k == TerminalScreen.resizeKeyMarker {
                    term.refreshSize()
                    events.append(.resize(width: term.width, height: term.height))
                } else if k == .ctrl("c") {
                    events.append(.key(.char("q")))
                } else if k == .ctrl("z") {
                    // Suspend like less: the shell gets the terminal; `fg` redraws.
                    term.suspend()
                    events.append(.resize(width: term.width, height: term.height))
                } else {
                    events.append(.key(k))
                }
            }
            for e in events {
                for effect in ViewerReducer.reduce(&state, e) {
                    session.perform(effect, state: state)
                }
            }
        }
    }
}

/// Frame timings for `--stats FILE`: key-to-frame latency, frame cost, and
/// how long placeholders stayed on screen.
final class FrameStats {
    private(set) var frames = 0
    private(set) var keyToFrame: [UInt64] = []
    /// The parts of `keyToFrame` whose frame was drawn while a Files owner
    /// map was building, and once one was built (none building): what
    /// scripts/bench-viewer-ownermap.sh compares.
    private(set) var keyToFrameMapping: [UInt64] = []
    private(set) var keyToFrameMapReady: [UInt64] = []
    /// The part of `keyToFrame` whose frame was drawn while the overview map
    /// panel's fill was under way (scripts/bench-map.sh).
    private(set) var keyToFrameFilling: [UInt64] = []
    /// The Files panel's owner maps when a frame is drawn.
    enum MapActivity { case none, building, ready }
    /// From a key to the first frame after it with every byte on screen in
    /// memory (a jump: how long the user waits for the new screen).
    private(set) var keyToFullFrame: [UInt64] = []
    private var waitingSince: UInt64?
    private(set) var frameCost: [UInt64] = []
    private(set) var placeholderFrames = 0
    private(set) var longestPlaceholderStreak = 0
    private var streak = 0
    private var streakStart: UInt64?
    /// Longest time placeholders stayed on screen (first placeholder frame to the next full one).
    private(set) var longestPlaceholderNanoseconds: UInt64 = 0
    private(set) var keys = 0
    private(set) var firstFrameAt: UInt64?
    private(set) var firstFullFrameAt: UInt64?
    let start: UInt64

    init(start: UInt64) { self.start = start }

    /// Records one drawn frame. Placeholder figures count from the first
    /// full frame on: the opening frames of a cold start are not paging.
    func frame(start t0: UInt64, end t1: UInt64, keyAt: UInt64?, keys: Int, pending: Bool, map: MapActivity = .none,
               filling: Bool = false) {
        frames += 1
        self.keys += keys
        frameCost.append(t1 - t0)
        if let k = keyAt {
            keyToFrame.append(t1 - k)
            if filling { keyToFrameFilling.append(t1 - k) }
            switch map {
            case .building: keyToFrameMapping.append(t1 - k)
            case .ready: keyToFrameMapReady.append(t1 - k)
            case .none: break
            }
        }
        if let k = keyAt, waitingSince == nil { waitingSince = k }
        if !pending, let w = waitingSince {
            keyToFullFrame.append(t1 - w)
            waitingSince = nil
        }
        if firstFrameAt == nil { firstFrameAt = t1 }
        if !pending && firstFullFrameAt == nil { firstFullFrameAt = t1 }
        guard firstFullFrameAt != nil else { return }
        if pending {
            placeholderFrames += 1
            streak += 1
            if streakStart == nil { streakStart = t1 }
            longestPlaceholderStreak = max(longestPlaceholderStreak, streak)
        } else {
            if let s = streakStart { longestPlaceholderNanoseconds = max(longestPlaceholderNanoseconds, t1 - s) }
            streak = 0
            streakStart = nil
        }
    }

    func json(cache: PageCacheStatistics) -> String {
        func pct(_ v: [UInt64], _ p: Double) -> Double {
            guard !v.isEmpty else { return 0 }
            let s = v.sorted()
            return Double(s[min(s.count - 1, Int((Double(s.count) * p / 100).rounded(.up)) - 1)]) / 1000
        }
        func dist(_ v: [UInt64]) -> String {
            String(format: "{\"count\":%d,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f}",
                   v.count, pct(v, 50), pct(v, 90), pct(v, 99), pct(v, 100))
        }
        // Every sample (µs), for pooling rounds.
        func samples(_ v: [UInt64]) -> String { "[" + v.map { String(format: "%.1f", Double($0) / 1000) }.joined(separator: ",") + "]" }
        func ms(_ t: UInt64?) -> String { t.map { String(format: "%.2f", Double($0 - start) / 1e6) } ?? "null" }
        return """
        {"frames":\(frames),"key_to_frame_us":\(dist(keyToFrame)),"key_to_full_frame_us":\(dist(keyToFullFrame)),\
        "key_to_frame_while_mapping_us":\(dist(keyToFrameMapping)),"key_to_frame_map_ready_us":\(dist(keyToFrameMapReady)),\
        "key_to_frame_while_mapping_samples_us":\(samples(keyToFrameMapping)),"key_to_frame_map_ready_samples_us":\(samples(keyToFrameMapReady)),\
        "key_to_frame_samples_us":\(samples(keyToFrame)),"key_to_frame_while_filling_us":\(dist(keyToFrameFilling)),\
        "key_to_frame_while_filling_samples_us":\(samples(keyToFrameFilling)),\
        "frame_us":\(dist(frameCost)),\
        "keys":\(keys),"placeholder_frames":\(placeholderFrames),"longest_placeholder_streak":\(longestPlaceholderStreak),\
        "longest_placeholder_ms":\(String(format: "%.2f", Double(longestPlaceholderNanoseconds) / 1e6)),\
        "first_frame_ms":\(ms(firstFrameAt)),"first_full_frame_ms":\(ms(firstFullFrameAt)),\
        "cache":{"hit_rate":\(String(format: "%.4f", cache.hitRate)),"bytes_peak":\(cache.counters.bytesPeak),\
        "reads":\(cache.counters.readsIssued),"failed":\(cache.counters.readsFailed)}}
        """
    }
}
