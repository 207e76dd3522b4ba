/// A one-line error for the user: what failed, on what, and why.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
