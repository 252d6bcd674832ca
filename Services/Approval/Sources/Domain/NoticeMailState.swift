import CLMContracts

/// The life of one expiry notice mail to one address: one row of `approval.notice_mails`.
/// Like a verification link's, without the confirmation: the mail is the whole point.
enum NoticeMailState: String, Sendable, CaseIterable, Lifecycle {
    /// A mail is to be sent.
    case due
    /// A mailer claimed it and is talking to the SMTP server; other mailers skip it until its
    /// lease runs out, so one that died mid-send is taken over.
    case sending
    /// The last attempt failed in a way that may pass; due again after a backoff.
    case retrying
    case sent
    /// The mail could not be delivered; nothing else depends on it.
    case failed

    var isFinal: Bool {
        switch self {
        case .sent, .failed: true
        case .due, .sending, .retrying: false
        }
    }

    func canTransition(to next: NoticeMailState) -> Bool {
        switch (self, next) {
        // A lapsed lease is claimed again: the first mailer is presumed dead.
        case (.due, .sending), (.retrying, .sending), (.sending, .sending):
            true
        case (.sending, .sent), (.sending, .retrying), (.sending, .failed):
            true
        default:
            false
        }
    }

    /// The states a mail may be in to move to `next`: what the store's guarded updates accept.
    static func sources(of next: NoticeMailState) -> [NoticeMailState] {
        allCases.filter { $0.canTransition(to: next) }
    }
}
