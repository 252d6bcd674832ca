import CLMContracts
import Foundation
import Logging

/// Mails the next due expiry notice, as `SendVerificationMail` does links: claimed in one short
/// transaction (a lease under a random claim), sent with no transaction open, and recorded in
/// a second one. A mailer that dies in between leaves the lease to lapse; the mail is then
/// claimed again (the recipient may then see it twice, with the same Message-ID).
struct SendNoticeMail: Sendable {
    let storage: any ApprovalStorage
    let mailer: any MailSending
    let maxAttempts: Int
    let lease: Duration

    /// Sends the next due mail; nil when none is due (or the database is unavailable).
    func sendNext(logger: Logger) async throws -> SendVerificationMail.Outcome? {
        guard storage.isAvailable else { return nil }
        let lease = self.lease
        guard
            let mail = try await storage.transaction(
                logger: logger, { try await $0.claimDueNoticeMail(claim: UUID(), lease: lease) })
        else { return nil }
        var logger = logger
        logger[metadataKey: "request.id"] = "\(mail.notice.request)"
        logger[metadataKey: "realm"] = "\(mail.notice.realm)"
        logger[metadataKey: "serial"] = "\(mail.notice.serialNumber)"
        do {
            try await mailer.send(ExpiryNoticeMail.message(to: mail.email, notice: mail.notice), logger: logger)
        } catch let error as SMTPError {
            return try await recordFailure(of: mail, error: error, logger: logger)
        }
        let recorded = try await storage.transaction(logger: logger) {
            try await $0.recordNoticeMail(mail, state: .sent, error: nil, retryAfterSeconds: nil)
        }
        guard recorded else {
            logger.warning("expiry notice mail sent after its claim ended; not recorded")
            return .lost
        }
        logger.info("expiry notice mailed")
        return .sent
    }

    private func recordFailure(of mail: NoticeMail, error: SMTPError, logger: Logger) async throws
        -> SendVerificationMail.Outcome
    {
        let failure = VerificationState.afterFailure(
            attempt: mail.attempt, transient: error.isTransient, maxAttempts: maxAttempts)
        let state: NoticeMailState
        let retryAfter: Int?
        switch failure {
        case .retry(let seconds): (state, retryAfter) = (.retrying, seconds)
        case .giveUp: (state, retryAfter) = (.failed, nil)
        }
        let recorded = try await storage.transaction(logger: logger) { tx in
            guard
                try await tx.recordNoticeMail(
                    mail, state: state, error: error.description, retryAfterSeconds: retryAfter)
            else { return false }
            if state == .failed {
                try await tx.audit(
                    realm: mail.notice.realm, actor: "system:mail", action: "certificate.expiry-mail.failed",
                    target: mail.notice.serialNumber,
                    details: "to \(mail.email) after \(mail.attempt) attempt(s): \(error.description)")
            }
            return true
        }
        guard recorded else { return .lost }
        logger.warning(
            state == .failed ? "expiry notice mail failed for good" : "expiry notice mail not sent; will retry",
            metadata: ["attempt": "\(mail.attempt)", "error": "\(error.description)"])
        return state == .failed ? .failed : .retrying
    }
}
