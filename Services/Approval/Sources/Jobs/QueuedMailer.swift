import CLMStorage
import Logging
import ServiceLifecycle

/// Sends one of the service's mail queues (verification links, expiry notices) as mails fall
/// due, one per round, until the service stops.
///
/// Each round is bounded by `withDeadline`, like the outbox relay's and the event processor's:
/// a round stuck on a connection the database dropped (after a PostgreSQL restart) is left
/// behind instead of stopping the mailer. Its claim lapses with its lease.
struct QueuedMailer: Service {
    /// The queue's name in the log, e.g. `verification mailer`.
    let name: String
    /// Sends the next due mail; whether there was one.
    let sendNext: @Sendable (Logger) async throws -> Bool
    /// Signalled when a mail is due, so it goes out at once.
    let mailDue: WakeSignal
    let roundTimeout: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var handled = false
            do {
                let (sendNext, logger) = (self.sendNext, self.logger)
                handled = try await withDeadline(roundTimeout) { try await sendNext(logger) }
            } catch {
                logger.warning("\(name) failed; retrying", metadata: ["error": "\(error)"])
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
