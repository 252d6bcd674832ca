import CLMStorage
import Logging
import ServiceLifecycle

/// Mails verification links as they fall due, one per round, until the service stops.
///
/// Each round is bounded by `withDeadline`, like the outbox relay's and the event processor's:
/// a round stuck on a connection the database dropped (after a PostgreSQL restart) is left
/// behind instead of stopping the mailer. Its claim lapses with its lease.
struct VerificationMailer: Service {
    let sendMail: SendVerificationMail
    /// Signalled when a verification mail is due, so it goes out at once.
    let mailDue: WakeSignal
    let roundTimeout: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var handled = false
            do {
                let sendMail = self.sendMail
                let logger = self.logger
                handled = try await withDeadline(roundTimeout) { try await sendMail.sendNext(logger: logger) != nil }
            } catch {
                logger.warning("verification mailer failed; retrying", metadata: ["error": "\(error)"])
            }
            if !handled { await mailDue.wait(timeout: .seconds(2)) }
        }
    }
}

/// Sends over SMTP, one connection per message.
struct SMTPMailer: MailSending {
    let configuration: SMTPConfiguration

    func send(_ message: MailMessage, logger: Logger) async throws {
        try await SMTPClient(configuration: configuration, logger: logger).send(message)
    }
}
