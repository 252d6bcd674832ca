import CLMContracts

/// The life of one address's verification link: one row of `approval.verifications`.
/// Transitions are checked here, in one place, so the mailer, the confirmation and the
/// expiry sweep agree on what may follow what (the store only moves a row from a state
/// this table allows).
enum VerificationState: String, Sendable, CaseIterable, Lifecycle {
    /// A mail is to be sent.
    case due
    /// A mailer claimed the mail and is talking to the SMTP server. Other mailers skip it
    /// until its lease runs out, so one that died mid-send is taken over.
    case sending
    /// The last attempt failed in a way that may pass; due again after a backoff.
    case retrying
    /// The link is in the mailbox, waiting to be confirmed.
    case sent
    case confirmed
    /// The mail could not be delivered; the request failed.
    case failed
    /// The request stopped waiting (it expired, or failed for another address) before this
    /// address confirmed.
    case expired

    /// A final state never changes again.
    var isFinal: Bool {
        switch self {
        case .confirmed, .failed, .expired: true
        case .due, .sending, .retrying, .sent: false
        }
    }

    /// Whether a link may move from `self` to `next`.
    func canTransition(to next: VerificationState) -> Bool {
        switch (self, next) {
        // A lapsed lease is claimed again: the first mailer is presumed dead.
        case (.due, .sending), (.retrying, .sending), (.sending, .sending):
            true
        case (.sending, .sent), (.sending, .retrying), (.sending, .failed):
            true
        // The server accepted the mail and its reader was quicker than the mailer's record.
        case (.sending, .confirmed), (.sent, .confirmed):
            true
        case (.due, .expired), (.sending, .expired), (.retrying, .expired), (.sent, .expired):
            true
        default:
            false
        }
    }

    /// The states a link may be in to move to `next`: what the store's guarded updates accept.
    static func sources(of next: VerificationState) -> [VerificationState] {
        allCases.filter { $0.canTransition(to: next) }
    }

    /// What one failed send means for the next.
    enum Failure: Sendable, Equatable {
        /// Try again after this many seconds.
        case retry(afterSeconds: Int)
        /// Give up: the request fails.
        case giveUp
    }

    /// `attempt` (counting from 1) failed; `transient` failures are retried up to
    /// `maxAttempts` sends, after 2, 4, 8 … seconds, at most five minutes apart.
    static func afterFailure(attempt: Int, transient: Bool, maxAttempts: Int) -> Failure {
        guard transient && attempt < maxAttempts else { return .giveUp }
        return .retry(afterSeconds: min(1 << min(max(attempt, 1), 8), 300))
    }
}
