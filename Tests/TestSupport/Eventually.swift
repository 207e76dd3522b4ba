import Foundation

/// Waits (polling every millisecond) until `condition` holds; throws
/// `TestFailure` after `seconds`. Not a timing assertion: the limit only stops
/// a hung test.
public func eventually(_ what: String, seconds: Double = 10, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !condition() {
        if ContinuousClock.now > deadline { throw TestFailure("timed out waiting for: \(what)") }
        try await Task.sleep(nanoseconds: 1_000_000)
    }
}
