import CLMContracts
import Foundation
import Logging

/// Revokes a certificate: by its requester or a realm admin, for an RFC 5280 reason, once.
/// In one transaction the revocation is recorded, the CA's CRL re-signed with it,
/// `clm.certificate.revoked.v1` queued and the audit record chained; so when the call
/// answers, the CRL and the OCSP responder already say `revoked`.
struct RevokeCertificate: Sendable {
    let authorities: AuthorityDirectory
    let signer: RevocationListSigner

    /// The revocation, and whether this call made it (false: it was revoked before, and this
    /// is the first revocation's answer).
    struct Outcome: Sendable, Equatable {
        var revocation: RevocationView
        var created: Bool
    }

    func callAsFunction(
        _ locator: CertificateLocator, realm: String, by caller: RevocationCaller, reason: RevocationReasonName,
        comment: String?, store: any CAGatewayStore, logger: Logger
    ) async throws -> Outcome {
        try await store.transaction(logger: logger) {
            try await revoke(locator, realm: realm, by: caller, reason: reason, comment: comment, in: $0)
        }
    }

    /// The same, in a transaction the caller holds (the command topic's, a renewal's).
    func revoke(
        _ locator: CertificateLocator, realm: String, by caller: RevocationCaller, reason: RevocationReasonName,
        comment: String?, in tx: any CAGatewayTransaction, now: Date = Date()
    ) async throws -> Outcome {
        let comment = try RevocationRules.checkedComment(comment)
        guard let certificate = try await tx.lockCertificate(locator, realm: realm) else {
            throw Problem.notFound(locator.description)
        }
        try RevocationRules.authorize(caller, toRevoke: certificate)
        if let earlier = certificate.revocation { return Outcome(revocation: earlier, created: false) }
        try RevocationRules.checkRevocable(certificate, now: now)
        guard let authority = authorities[certificate.ca] else {
            throw Problem.unavailable("CA '\(certificate.ca)' is not served by this gateway now; retry")
        }
        // Whole seconds: what the CRL and OCSP can say, so all three agree to the second.
        let revokedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let revocation = RevocationView(
            ca: certificate.ca, serialNumber: certificate.serialNumber, request: certificate.request, reason: reason,
            comment: comment, revokedBy: caller.subject, revokedAt: revokedAt)
        try await tx.insertRevocation(revocation, realm: realm)
        let list = try await signer.sign(authority, in: tx, now: now)
        try await tx.publish(
            CertificateRevoked(
                request: certificate.request, realm: realm, ca: certificate.ca,
                serialNumber: certificate.serialNumber, reason: reason, comment: comment, revokedBy: caller.subject,
                revokedAt: revokedAt),
            about: certificate.request, realm: realm)
        try await tx.audit(
            realm: realm, actor: caller.subject, action: "certificate.revoked", target: certificate.serialNumber,
            details: "reason \(reason.rawValue), CA \(certificate.ca), request \(certificate.request.lowercasedString)"
                + (comment.map { ": \($0)" } ?? ""))
        tx.logger.notice(
            "certificate revoked",
            metadata: [
                "serial": "\(certificate.serialNumber)", "ca": "\(certificate.ca)", "reason": "\(reason.rawValue)",
                "crl.number": "\(list.crlNumber ?? 0)",
            ])
        return Outcome(revocation: revocation, created: true)
    }
}
