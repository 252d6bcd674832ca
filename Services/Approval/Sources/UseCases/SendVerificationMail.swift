import CLMContracts
import Foundation
import Logging

/// Sends mail; `SMTPMailer` in production. Throws `SMTPError` for what the server or the
/// network refused.
protocol MailSending: Sendable {
    func send(_ message: MailMessage, logger: Logger) async throws
}

/// Mails the next due verification link.
///
/// No transaction is open while the SMTP server is talked to, so a slow or stalled server
/// holds no locks: the mail is claimed in one short transaction (a lease that keeps other
/// mailers off it, and the hash of the token the mail carries), and the outcome is recorded
/// in a second one. A mailer that dies in between leaves the lease to lapse; the mail is then
/// claimed again.
struct SendVerificationMail: Sendable {
    enum Outcome: Sendable, Equatable {
        case sent
        /// Failed in a way that may pass; due again later.
        case retrying
        /// Failed for good; the request failed.
        case failed
        /// The claim ended before the outcome was recorded (the request stopped waiting, or the
        /// lease lapsed and another mailer took over); nothing recorded.
        case lost
    }

    let storage: any ApprovalStorage
    let mailer: any MailSending
    /// The base of links (the edge's public URL, no trailing slash).
    let publicURL: String
    let maxAttempts: Int
    /// How long a claim keeps other mailers off a mail: longer than one send may take.
    let lease: Duration

    /// Sends the next due mail; nil when none is due (or the database is unavailable).
    func sendNext(logger: Logger, now: @Sendable () -> Date = Date.init) async throws -> Outcome? {
        guard storage.isAvailable else { return nil }
        let token = VerificationToken.random()
        let lease = self.lease
        guard
            let mail = try await storage.transaction(
                logger: logger, { try await $0.claimDueMail(tokenHash: token.hash, lease: lease) })
        else { return nil }
        var logger = logger
        logger[metadataKey: "request.id"] = "\(mail.request)"
        logger[metadataKey: "realm"] = "\(mail.realm)"
        let message = VerificationMail.message(
            to: mail.email, submitted: mail.submitted, link: "\(publicURL)/v1/verify/\(token.text)",
            expiresAt: mail.expiresAt ?? now())
        do {
            try await mailer.send(message, logger: logger)
        } catch let error as SMTPError {
            return try await recordFailure(of: mail, error: error, logger: logger)
        }
        let recorded = try await storage.transaction(logger: logger) {
            try await $0.recordMail(mail, state: .sent, error: nil, retryAfterSeconds: nil)
        }
        guard recorded else {
            logger.warning("verification mail sent after its claim ended; not recorded")
            return .lost
        }
        logger.info("verification mail sent")
        return .sent
    }

    private func recordFailure(of mail: DueMail, error: SMTPError, logger: Logger) async throws -> Outcome {
        let failure = VerificationState.afterFailure(
            attempt: mail.attempt, transient: error.isTransient, maxAttempts: maxAttempts)
        if case .retry(let seconds) = failure {
            let recorded = try await storage.transaction(logger: logger) {
                try await $0.recordMail(mail, state: .retrying, error: error.description, retryAfterSeconds: seconds)
            }
            logger.warning(
                "verification mail not sent; will retry",
                metadata: ["attempt": "\(mail.attempt)", "error": "\(error.description)"])
            return recorded ? .retrying : .lost
        }
        let reason =
            "could not mail the verification link to \(mail.email) after \(mail.attempt) attempt(s): "
            + error.description
        let failed = try await storage.transaction(logger: logger) { tx in
            // The decision first, in the order the expiry sweep locks, so neither waits for the other in a cycle.
            guard let decision = try await tx.lockDecision(mail.request, realm: mail.realm),
                decision.state == .awaitingVerification,
                try await tx.recordMail(mail, state: .failed, error: error.description, retryAfterSeconds: nil)
            else { return false }
            try await tx.decide(mail.request, state: .failed, by: "system:mail", reason: reason)
            try await tx.endVerifications(of: mail.request)
            try await tx.publish(
                RequestFailed(
                    request: mail.request, realm: mail.realm, code: "verification-mail-failed", reason: reason,
                    failedBy: "approval"),
                about: mail.request, realm: mail.realm)
            return true
        }
        guard failed else { return .lost }
        logger.error("verification mail failed for good; request failed", metadata: ["error": "\(error.description)"])
        return .failed
    }
}
