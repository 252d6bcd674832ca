/// Whether a dependency counts as available, from the probes so far: it stops counting only
/// after `threshold` probes in a row have failed, and counts again at the first success. One
/// missed probe on a saturated machine is load, not an outage.
public struct AvailabilityVerdict: Sendable, Equatable {
    public let threshold: Int
    public private(set) var isAvailable = true
    public private(set) var failuresInARow = 0

    public init(threshold: Int) { self.threshold = max(threshold, 1) }

    /// Records one probe's result; returns whether the verdict changed.
    public mutating func record(success: Bool) -> Bool {
        let before = isAvailable
        failuresInARow = success ? 0 : failuresInARow + 1
        isAvailable = success || (isAvailable && failuresInARow < threshold)
        return before != isAvailable
    }
}
