import CLMContracts
import Foundation

/// Which expiry notice of a certificate a sweep announces. A notice is a threshold in seconds
/// before `notAfter` (the policy's `expiryWarnings`), and `0` for the expiry itself; each is
/// announced at most once, which the gateway's `expiry_notices` table guarantees.
///
/// When several fell due at once (a certificate issued with two hours left under a `30d, 7d,
/// 1h` policy, or a gateway that was down for a week), only the most imminent one is announced:
/// three mails saying "30 days left", "7 days left" and "1 hour left" at the same minute help
/// nobody, and the last one is the true one. The others are marked done without an event, so
/// they never fire later either.
enum ExpirySchedule {
    /// The notice value of the expiry itself.
    static let expiry = 0

    /// What one sweep does for one certificate.
    struct Due: Sendable, Equatable {
        /// The notice to announce: a threshold in seconds, or `ExpirySchedule.expiry`.
        var announce: Int
        /// Notices that fell due together with it, marked done silently (longest first).
        var skipped: [Int]

        /// Every notice this sweep marks done, the announced one first.
        var all: [Int] { [announce] + skipped }
    }

    /// The notice due for a certificate with these `thresholds` and `notAfter` at `now`, given
    /// the notices already `done`; nil when none is.
    static func due(thresholds: [Int], done: Set<Int>, notAfter: Date, now: Date) -> Due? {
        let due = Set(thresholds.filter { $0 > 0 } + [expiry]).subtracting(done)
            .filter { notAfter.addingTimeInterval(-TimeInterval($0)) <= now }
            .sorted(by: >)
        guard let announce = due.last else { return nil }
        return Due(announce: announce, skipped: Array(due.dropLast()))
    }

    /// At most this many addresses travel in one warning (its schema's bound).
    static let maxEmails = 64

    /// Whom the end entities can be reached at: the addresses the request verified and the
    /// certificate's `email:` names, each once (case-insensitively), in that order.
    static func entityEmails(verified: [String], alternativeNames: [String]) -> [String] {
        let named = alternativeNames.compactMap { $0.hasPrefix("email:") ? String($0.dropFirst(6)) : nil }
        var seen: Set<String> = []
        let emails = (verified + named).filter { $0.count >= 3 && seen.insert($0.lowercased()).inserted }
        return Array(emails.prefix(maxEmails))
    }
}
