/// A test's own failure (a fixture that could not be made, a wait that timed
/// out), with the reason: the one error type of every test target.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
