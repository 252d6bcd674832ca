import CLMContracts
import Foundation
import Logging

/// The expiry sweep: announces each certificate's due expiry warning (`clm.certificate.expiring.v1`)
/// and its expiry (`clm.certificate.expired.v1`), once. In one transaction per batch the notices
/// are recorded, the events queued in the outbox and the audit records chained, so a crash
/// neither loses an announcement nor makes a second; replicas skip each other's locked rows,
/// and the notices' primary key stops any that still raced.
struct AnnounceExpiries: Sendable {
    let store: any CAGatewayStore
    /// Certificates per transaction.
    var batchSize = 100

    /// One batch; how many certificates it looked at (less than `batchSize`: nothing else due).
    @discardableResult
    func callAsFunction(logger: Logger, now: Date = Date()) async throws -> Int {
        try await store.transaction(logger: logger) { tx in
            let due = try await tx.lockDueExpiries(now: now, limit: batchSize)
            for certificate in due { try await announce(certificate, now: now, in: tx) }
            return due.count
        }
    }

    /// Batches until nothing more is due, at most `rounds` of them (the next tick goes on).
    func drain(logger: Logger, rounds: Int = 10, now: @Sendable () -> Date = Date.init) async throws {
        for _ in 0..<rounds {
            guard try await self(logger: logger, now: now()) == batchSize else { return }
        }
    }

    private func announce(_ certificate: ExpiringCertificate, now: Date, in tx: any CAGatewayTransaction)
        async throws
    {
        guard
            let due = ExpirySchedule.due(
                thresholds: certificate.thresholds, done: certificate.done, notAfter: certificate.notAfter, now: now)
        else { return }
        let recorded = try await tx.recordExpiryNotices(
            ca: certificate.ca, serialNumber: certificate.serialNumber, notices: due.all)
        // Another sweep recorded it between our read and our insert: it announced it too.
        guard recorded.contains(due.announce) else { return }
        let details =
            "CA \(certificate.ca), request \(certificate.request.lowercasedString), not after "
            + ContractCoding.formatTimestamp(certificate.notAfter)
            + (due.skipped.isEmpty ? "" : "; passed over \(due.skipped.map(DurationText.describe))")
        if due.announce == ExpirySchedule.expiry {
            try await tx.publish(
                CertificateExpired(
                    request: certificate.request, realm: certificate.realm, ca: certificate.ca,
                    serialNumber: certificate.serialNumber, subject: certificate.subject,
                    notAfter: certificate.notAfter, requester: certificate.requester),
                about: certificate.request, realm: certificate.realm)
            try await tx.audit(
                realm: certificate.realm, actor: "system:expiry", action: "certificate.expired",
                target: certificate.serialNumber, details: details)
        } else {
            try await tx.publish(
                CertificateExpiring(
                    request: certificate.request, realm: certificate.realm, ca: certificate.ca,
                    serialNumber: certificate.serialNumber, subject: certificate.subject,
                    notAfter: certificate.notAfter, thresholdSeconds: due.announce,
                    requester: certificate.requester, alternativeNames: Array(certificate.alternativeNames.prefix(256)),
                    emails: ExpirySchedule.entityEmails(
                        verified: certificate.verifiedEmails, alternativeNames: certificate.alternativeNames)),
                about: certificate.request, realm: certificate.realm)
            try await tx.audit(
                realm: certificate.realm, actor: "system:expiry", action: "certificate.expiring",
                target: certificate.serialNumber,
                details: "threshold \(DurationText.describe(due.announce)), " + details)
        }
        tx.logger.info(
            "certificate expiry announced",
            metadata: [
                "serial": "\(certificate.serialNumber)", "ca": "\(certificate.ca)",
                "request.id": "\(certificate.request)", "realm": "\(certificate.realm)",
                "threshold": "\(due.announce == 0 ? "expired" : DurationText.describe(due.announce))",
            ])
    }
}
