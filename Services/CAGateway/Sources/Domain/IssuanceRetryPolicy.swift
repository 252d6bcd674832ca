import Foundation

/// How long issuance waits for a CA that is out of service: exponential backoff from
/// `initial` up to `maximum`, and a failure with `ca-unavailable` at the `limit`-th attempt.
struct IssuanceRetryPolicy: Sendable, Equatable {
    var limit: Int
    var initial: Duration
    var maximum: Duration

    /// Delay before attempt `attempt + 1` (attempt counts from 1).
    func delay(after attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 20)
        return min(initial * factor, maximum)
    }

    /// What an attempt does after `attempts` earlier ones, for CA `ca`: served or not
    /// (`known`), and out of service with a reason (`suspended`) or not.
    func decide(ca: String, known: Bool, suspended: String?, attempts: Int, now: Date) -> IssuanceDecision {
        guard known else { return .fail(code: "unknown-ca", reason: "CA '\(ca)' is not served by this gateway") }
        guard let suspended else { return .issue }
        let attempt = attempts + 1
        let reason = "CA '\(ca)' is unavailable: \(suspended)"
        guard attempt < limit else {
            return .fail(code: "ca-unavailable", reason: "\(reason) (gave up after \(attempt) attempts)")
        }
        let delay = delay(after: attempt)
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        return .retry(attempt: attempt, reason: reason, retryAt: now.addingTimeInterval(seconds))
    }
}

/// The outcome of one issuance attempt, decided before anything is signed.
enum IssuanceDecision: Sendable, Equatable {
    case issue
    case retry(attempt: Int, reason: String, retryAt: Date)
    case fail(code: String, reason: String)
}
