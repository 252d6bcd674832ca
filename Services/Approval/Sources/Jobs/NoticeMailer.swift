import CLMStorage
import Logging
import ServiceLifecycle

/// Mails expiry notices as they fall due, one per round, until the service stops; each round
/// bounded like the verification mailer's, so one stuck on a dropped connection is left behind.
struct NoticeMailer: Service {
    let sendMail: SendNoticeMail
    /// Signalled when a notice was queued, so it goes out at once.
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
                logger.warning("expiry notice mailer failed; retrying", metadata: ["error": "\(error)"])
            }
            if !handled { await mailDue.wait(timeout: .seconds(2)) }
        }
    }
}
