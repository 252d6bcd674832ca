/// Every problem found in the `CLM_*` settings, reported together at start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { "invalid configuration: " + problems.joined(separator: "; ") }
}
