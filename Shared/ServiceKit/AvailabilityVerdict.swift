/// Whether a dependency counts as available, from the probes so far. A probe that got no
/// answer in time may be load (a saturated machine), not an outage: the dependency stops
/// counting as available only after `threshold` such probes in a row. A definite refusal (the
/// connection refused, the login rejected) counts at once. The first success makes it
/// available again.
public struct AvailabilityVerdict: Sendable, Equatable {
    public let threshold: Int
    public private(set) var isAvailable = true
    public private(set) var failuresInARow = 0

    public init(threshold: Int) { self.threshold = max(threshold, 1) }

    /// Records one probe's result; returns whether the verdict changed.
    /// - Parameter definite: the failure was an answer (a refusal), not a missed deadline.
    public mutating func record(success: Bool, definite: Bool = false) -> Bool {
        let before = isAvailable
        failuresInARow = success ? 0 : definite ? max(failuresInARow + 1, threshold) : failuresInARow + 1
        isAvailable = success || (isAvailable && failuresInARow < threshold)
        return before != isAvailable
    }
}
