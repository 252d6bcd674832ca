import CLMContracts
import Foundation

/// Turns a `clm.certificate.expiring.v1` into mails: one per recipient, queued in the event's
/// own transaction, so the mail and the event's processing commit together. The mailer sends
/// it afterwards, retried like a verification link; a re-delivered event queues nothing.
struct QueueExpiryNotice: Sendable {
    /// How many mails were queued (0: nobody to mail, or the notice came before).
    @discardableResult
    func queue(_ notice: CertificateExpiring, in tx: any ApprovalTransaction) async throws -> Int {
        let recipients = ExpiryNoticeMail.recipients(of: notice)
        guard !recipients.isEmpty else {
            tx.logger.info("expiry notice has no mail address to go to", metadata: ["serial": "\(notice.serialNumber)"])
            return 0
        }
        let queued = try await tx.queueNoticeMails(notice, to: recipients)
        guard queued > 0 else { return 0 }
        try await tx.audit(
            realm: notice.realm, actor: "system:expiry", action: "certificate.expiry-mail.queued",
            target: notice.serialNumber,
            details: "threshold \(DurationText.describe(notice.thresholdSeconds)), CA \(notice.ca), to "
                + recipients.joined(separator: ", "))
        return queued
    }
}
