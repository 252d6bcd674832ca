import Foundation
import Synchronization

/// A token bucket: at most `perSecond` admissions per second on average, bursts up to the
/// same number. Thread-safe; for protecting expensive work from floods.
public final class RateLimiter: Sendable {
    private let rate: Double
    private let state: Mutex<(tokens: Double, last: ContinuousClock.Instant)>

    public init(perSecond: Int) {
        rate = Double(perSecond)
        state = Mutex((Double(perSecond), ContinuousClock.now))
    }

    /// Takes one token if there is one.
    public func admit(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            let elapsed = now - state.last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.tokens = min(rate, state.tokens + max(0, seconds) * rate)
            state.last = now
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            return true
        }
    }
}
