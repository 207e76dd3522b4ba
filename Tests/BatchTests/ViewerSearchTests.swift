import BlockDevice
import Foundation
import Inspector
import LinuxAIO
import Testing
import TestSupport

/// The viewer's reducer and session over a real file: what `/`, `n`, `N` and
/// Esc do, with the effects carried out by `ViewerSession` and its events fed
/// back, as the UI loop does.
final class ViewerDriver {
    var state: ViewerState
    let session: ViewerSession
    let media: MediaReader

    init(_ media: MediaReader, patcher: PatchSession? = nil, access: AccessMode = .readOnly) throws {
        self.media = media
        let cache = try PageCacheDriver(reader: media)
        session = ViewerSession(cache: cache, patcher: patcher, wake: {})
        let summary = SourceSummary(path: media.path, size: media.geometry.size, sectorSize: 512, kind: "image file",
                                    engine: "test", access: access)
        state = ViewerState(source: summary, width: 120, height: 40)
    }

    /// Reduces the keys and carries out their effects.
    func press(_ keys: Key...) {
        for k in keys {
            for e in ViewerReducer.reduce(&state, .key(k)) { session.perform(e, state: state) }
        }
    }

    func type(_ text: String) {
        for c in text { press(.char(c)) }
    }

    /// Feeds the session's events to the reducer until `done` holds.
    func until(_ what: String, seconds: Double = 300, _ done: (ViewerState) -> Bool) async throws {
        try await eventually(what, seconds: seconds) {
            for e in session.takeEvents() {
                for fx in ViewerReducer.reduce(&state, e) { session.perform(fx, state: state) }
            }
            return done(state)
        }
    }

    /// Waits for the search under way to end; returns the status line's message.
    @discardableResult
    func searchDone() async throws -> String {
        try await until("the search to end") { $0.search.progress == nil }
        return state.message?.text ?? ""
    }

    /// `/text` Enter, then the first result.
    @discardableResult
    func search(_ text: String) async throws -> String {
        press(.char("/"))
        type(text)
        press(.enter)
        return try await searchDone()
    }

    /// `key` (n or N), then the result.
    @discardableResult
    func again(_ key: Character) async throws -> String {
        press(.char(key))
        return try await searchDone()
    }

    func close() async { await session.close() }
}

@Suite("The viewer's search through the one engine", .serialized)
struct ViewerSearchTests {
    static func open(_ path: String) throws -> MediaReader {
        MediaReader(try BlockSources.open(path: path, options: BlockSourceOptions(engine: .auto, slots: 4)))
    }

    @Test("n walks the same matches as blkview search's engine; n past the last says so and wraps; N walks back")
    func walkAndWrap() async throws {
        let file = try SearchEngineTests.islands()
        let v = try ViewerDriver(try Self.open(file.path))
        var all: [Int64] = []
        _ = try await PatternSearch(pattern: Array("NEEDLE".utf8)).run(v.media, onMatch: { all.append($0); return true })
        #expect(all == MatchScannerTests.fastNaive(Array("NEEDLE".utf8), file.bytes))
        #expect(all.count >= 6)

        var seen: [Int64] = []
        var message = try await v.search("\"NEEDLE\"")
        while message.contains("\"NEEDLE\" at") {
            seen.append(v.state.cursor)
            message = try await v.again("n")
        }
        #expect(seen == all, "the viewer's n and the batch engine differ")
        let last = try #require(all.last)
        #expect(message == "no more matches below 0x\(String(last, radix: 16)) — n again wraps to the top")
        #expect(v.state.cursor == last)
        message = try await v.again("n")
        #expect(message == "\"NEEDLE\" at 0x\(String(all[0], radix: 16)) (wrapped to the top)")
        #expect(v.state.cursor == all[0])

        // N from the first match runs off the start, N again wraps to the last, then walks back.
        message = try await v.again("N")
        #expect(message == "no more matches above 0x\(String(all[0], radix: 16)) — N again wraps to the bottom")
        message = try await v.again("N")
        #expect(message == "\"NEEDLE\" at 0x\(String(last, radix: 16)) (wrapped to the bottom)")
        var back: [Int64] = [v.state.cursor]
        while try await v.again("N").contains("\"NEEDLE\" at") { back.append(v.state.cursor) }
        #expect(back == all.reversed())

        // Hex spelling of the same bytes, overlapping matches ("aa" in "aaaaaa").
        v.press(.char("g"))
        var overlaps: [Int64] = []
        message = try await v.search("61 61")
        while message.hasPrefix("61 61 at") {
            overlaps.append(v.state.cursor)
            message = try await v.again("n")
        }
        #expect(overlaps == MatchScannerTests.fastNaive([0x61, 0x61], file.bytes))
        await v.close()
    }

    @Test("a 16 TiB - 4 KiB sparse image: / finds the match 1 TiB in, n the one 12 TiB in, N goes back")
    func huge() async throws {
        let file = try SearchEngineTests.sixteenTiB()
        let path = file.path
        let v = try ViewerDriver(try Self.open(path))
        let clock = ContinuousClock()
        let t0 = clock.now
        #expect(try await v.search("NEEDLE") == "\"NEEDLE\" at 0x1000000007b")
        let t1 = clock.now
        #expect(try await v.again("n") == "\"NEEDLE\" at 0xc000000004d")
        let t2 = clock.now
        #expect(try await v.again("N") == "\"NEEDLE\" at 0x1000000007b")
        // A figure for the report, not a threshold (scripts/bench-viewer.sh measures it in the binary).
        print("viewer search on 16 TiB - 4 KiB: first \(t1 - t0), second \(t2 - t1), both \(t2 - t0)")
        await v.close()
    }

    @Test("after a committed patch (W), a search finds the new bytes, also where there was a hole")
    func seesCommittedBytes() async throws {
        let scratch = try Scratch()
        let path = try scratch.sparse("rw.img", bytes: 64 << 20)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seek(toOffset: 1 << 20)
        h.write(Data(Scratch.random(count: 4096, seed: 5)))
        try h.close()
        let target = WritableMedia(try BlockSources.openWritable(permit: try WritePermit.request(path: path, forensic: false),
                                                                 options: BlockSourceOptions(slots: 4)))
        let patcher = PatchSession(target: target, journal: scratch.file("rw.journal")) { _, _ in }
        let v = try ViewerDriver(target.reader, patcher: patcher, access: .writable)
        #expect(try await v.search("\"NEEDLE\"") == "no more matches below 0x0 — n again wraps to the top")
        #expect(try await v.again("n") == "not found: \"NEEDLE\"")
        // One run inside the data island, one in the hole at 40 MiB.
        let at: [Int64] = [(1 << 20) + 100, 40 << 20]
        v.session.perform(.commit(at.map { PatchRun(offset: $0, replacing: Array("NEEDLE".utf8)) }, sync: .data), state: v.state)
        try await v.until("the commit") { $0.message?.text.hasPrefix("written and verified") == true }
        v.press(.char("g"))
        #expect(try await v.search("\"NEEDLE\"") == "\"NEEDLE\" at 0x\(String(at[0], radix: 16))")
        #expect(try await v.again("n") == "\"NEEDLE\" at 0x\(String(at[1], radix: 16))")
        await v.close()
    }

    @Test("Esc cancels a search under way; a new / replaces it; what the old one reports is ignored")
    func cancelAndReplace() async throws {
        let src = SlowSource(size: 1 << 40, delayMicroseconds: 20_000)
        let v = try ViewerDriver(MediaReader(src))
        v.press(.char("/"))
        v.type("\"NOT-THERE\"")
        v.press(.enter)
        try await v.until("progress") { ($0.search.progress?.done ?? 0) > 0 }
        v.press(.escape)
        #expect(v.state.search.progress == nil)
        #expect(v.state.message?.text == "search cancelled")
        try await Task.sleep(nanoseconds: 100_000_000)
        try await v.until("the cancelled search's events") { _ in true }
        #expect(v.state.message?.text == "search cancelled")

        // A search under way, replaced by a new pattern: only the new one's result counts.
        v.press(.char("/"))
        v.type("\"NOT-THERE\"")
        v.press(.enter)
        try await v.until("progress") { ($0.search.progress?.done ?? 0) > 0 }
        let first = v.state.search.id
        v.press(.char("/"))
        v.type("00 00")  // zeros: at once
        v.press(.enter)
        #expect(v.state.search.id == first + 1)
        #expect(try await v.searchDone() == "00 00 at 0x1")
        await v.close()
    }
}
