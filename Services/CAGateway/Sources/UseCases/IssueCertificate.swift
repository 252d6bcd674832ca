import CLMContracts
import CLMCrypto
import Foundation
import Logging

/// Issues the certificate of an order whose approval (and, for server-side keys, public key)
/// arrived. A CA that is out of service is retried with exponential backoff and the request
/// shows why it waits; past the retry limit the request fails with `ca-unavailable`.
///
/// The certificates table's unique request id stands behind the order's state: never two
/// certificates per request, whatever is replayed.
struct IssueCertificate: Sendable {
    let authorities: AuthorityDirectory
    let retry: IssuanceRetryPolicy
    /// Revokes the certificate a renewal supersedes, when the renewal asks for it.
    var supersede: RevokeCertificate? = nil

    /// Tries to issue `submitted` for `order` in `tx`; `order.attempts` tries came before.
    func attempt(_ submitted: RequestSubmitted, of order: CAOrder, in tx: any CAGatewayTransaction) async throws {
        let authority = authorities[submitted.ca]
        var suspended: String?
        if let authority { suspended = try await tx.suspendedReason(ca: authority.name) }
        let decision = retry.decide(
            ca: submitted.ca, known: authority != nil, suspended: suspended, attempts: order.attempts, now: Date())
        switch decision {
        case .fail(let code, let reason):
            try await fail(order, code: code, reason: reason, by: submitted.ca, in: tx)
        case .retry(let attempt, let reason, let retryAt):
            try await tx.save(
                order.checked(.retry(attempt: attempt, reason: reason, retryAt: retryAt, submitted: submitted)),
                of: order)
            try await tx.publish(
                RequestDelayed(
                    request: order.request, realm: order.realm, code: "ca-unavailable", reason: reason,
                    attempt: attempt, retryAt: retryAt),
                about: order.request, realm: order.realm)
            tx.logger.warning(
                "CA unavailable; issuance retried later", metadata: ["attempt": "\(attempt)", "ca": "\(submitted.ca)"])
        case .issue:
            // `decide` issues only for a CA this gateway serves.
            guard let authority else { return }
            try await issue(submitted, of: order, by: authority, in: tx)
        }
    }

    private func issue(
        _ submitted: RequestSubmitted, of order: CAOrder, by authority: CertificateAuthority,
        in tx: any CAGatewayTransaction
    ) async throws {
        let certificate: Certificate
        do {
            certificate = try authority.issue(submitted)
        } catch let error as CryptoError {
            try await fail(order, code: "issuance-failed", reason: error.reason, by: authority.name, in: tx)
            return
        }
        try await tx.recordCertificate(IssuedCertificate(certificate, by: authority.name, for: submitted))
        try await tx.save(order.checked(.issued(attempts: order.attempts + 1)), of: order)
        let issued = CertificateIssued(
            request: order.request, realm: order.realm, ca: authority.name, serialNumber: certificate.serialNumberHex,
            certificate: certificate.pem, chain: authority.chainPEM, notBefore: certificate.notBefore,
            notAfter: certificate.notAfter)
        try await tx.publish(issued, about: order.request, realm: order.realm)
        if let renewal = submitted.renewalOf, renewal.revokeOnIssue {
            try await revoke(renewal, supersededBy: certificate, of: order, in: tx)
        }
        let until = ContractCoding.formatTimestamp(certificate.notAfter)
        try await tx.audit(
            realm: order.realm, actor: "ca:\(authority.name)", action: "certificate.issued",
            target: order.request.lowercasedString,
            details: "serial \(certificate.serialNumberHex), subject \(certificate.subject), until \(until)")
        tx.logger.info(
            "certificate issued", metadata: ["serial": "\(certificate.serialNumberHex)", "ca": "\(authority.name)"])
    }

    /// The renewed certificate, revoked as `superseded` in the new one's transaction: both, or
    /// neither. One that cannot be revoked (expired, revoked already) is left as it is.
    private func revoke(
        _ renewal: RenewalOf, supersededBy certificate: Certificate, of order: CAOrder, in tx: any CAGatewayTransaction
    ) async throws {
        guard let supersede else { return }
        do {
            let outcome = try await supersede.revoke(
                .serial(renewal.serialNumber), realm: order.realm,
                by: RevocationCaller(subject: "system:renewal", isRealmAdmin: true), reason: .superseded,
                comment: "superseded by \(certificate.serialNumberHex) (request \(order.request.lowercasedString))",
                in: tx)
            if !outcome.created {
                tx.logger.info(
                    "renewed certificate was revoked before", metadata: ["serial": "\(renewal.serialNumber)"])
            }
        } catch let problem as Problem {
            // Refused before anything was written: the issuance stands.
            tx.logger.notice(
                "renewed certificate not revoked",
                metadata: ["serial": "\(renewal.serialNumber)", "reason": "\(problem.detail)"])
        }
    }

    private func fail(
        _ order: CAOrder, code: String, reason: String, by ca: String, in tx: any CAGatewayTransaction
    ) async throws {
        try await tx.save(order.checked(.failed(reason: reason)), of: order)
        let failed = RequestFailed(
            request: order.request, realm: order.realm, code: code, reason: reason, failedBy: "ca:\(ca)")
        try await tx.publish(failed, about: order.request, realm: order.realm)
        try await tx.audit(
            realm: order.realm, actor: "ca:\(ca)", action: "issuance.failed", target: order.request.lowercasedString,
            details: "\(code): \(reason)")
        tx.logger.warning("issuance failed", metadata: ["code": "\(code)", "reason": "\(reason)"])
    }
}
