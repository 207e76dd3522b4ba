import Foundation

/// Waits (polling every millisecond) until `condition` holds; throws
/// `TestFailure` after `seconds`. Not a timing assertion: the limit only stops
/// a hung test.
///
/// The default wait is long on purpose: in a full run the 2-thread
/// cooperative pool is shared with tests that build fixtures through blocking
/// subprocesses, and a task's next hop can wait behind them for a minute or
/// more (seen twice at ~150 s into a run). A condition that holds returns at
/// once; only a failing wait pays the full time.
public func eventually(_ what: String, seconds: Double = 120, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !condition() {
        if ContinuousClock.now > deadline { throw TestFailure("timed out waiting for: \(what)") }
        try await Task.sleep(nanoseconds: 1_000_000)
    }
}
