@testable import blkview
import Foundation
@testable import Inspector
import Testing

/// `--stats`: key frames split by the Files owner map's state at the frame
/// (what scripts/bench-viewer-ownermap.sh compares).
struct FrameStatsTests {
    static func json(_ s: FrameStats) throws -> [String: Any] {
        let text = s.json(cache: PageCacheStatistics(counters: PageCacheCounters(), bytesCached: 0, pagesLoaded: 0, pagesInFlight: 0,
                                                        pagesQueued: 0, pagesFailed: 0, readaheadPages: 0, direction: .forward))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func count(_ j: [String: Any], _ key: String) -> Int? { (j[key] as? [String: Any])?["count"] as? Int }

    @Test("key frames while a map builds and once it is built are counted apart; frames without a key are in neither")
    func splitByMap() throws {
        let s = FrameStats(start: 0)
        s.frame(start: 10, end: 20, keyAt: 5, keys: 1, pending: false, map: .none)
        s.frame(start: 30, end: 40, keyAt: 25, keys: 1, pending: false, map: .building)
        s.frame(start: 50, end: 60, keyAt: 45, keys: 4, pending: false, map: .building)
        s.frame(start: 70, end: 80, keyAt: nil, keys: 0, pending: false, map: .building)
        s.frame(start: 90, end: 100_090, keyAt: 85, keys: 1, pending: false, map: .ready)
        let j = try Self.json(s)
        #expect(Self.count(j, "key_to_frame_us") == 4)
        #expect(Self.count(j, "key_to_frame_while_mapping_us") == 2)
        #expect(Self.count(j, "key_to_frame_map_ready_us") == 1)
        let ready = try #require(j["key_to_frame_map_ready_us"] as? [String: Any])
        #expect(ready["p99"] as? Double == 100.0, "100,005 ns is 100.0 µs: \(ready)")
        #expect(j["keys"] as? Int == 7)
        #expect(j["key_to_frame_while_mapping_samples_us"] as? [Double] == [0.0, 0.0])
        #expect(j["key_to_frame_map_ready_samples_us"] as? [Double] == [100.0])
        #expect(j["key_to_frame_samples_us"] as? [Double] == [0.0, 0.0, 0.0, 100.0])
    }

    @Test("key frames drawn while the overview map fills are counted apart")
    func splitByFill() throws {
        let s = FrameStats(start: 0)
        s.frame(start: 10, end: 2_010, keyAt: 10, keys: 1, pending: false, filling: true)
        s.frame(start: 20, end: 30, keyAt: nil, keys: 0, pending: false, filling: true)
        s.frame(start: 40, end: 3_040, keyAt: 40, keys: 1, pending: false, filling: false)
        let j = try Self.json(s)
        #expect(Self.count(j, "key_to_frame_us") == 2)
        #expect(Self.count(j, "key_to_frame_while_filling_us") == 1)
        #expect(j["key_to_frame_while_filling_samples_us"] as? [Double] == [2.0])
        #expect(j["key_to_frame_samples_us"] as? [Double] == [2.0, 3.0])
    }
}
