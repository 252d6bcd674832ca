import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// Issues the certificate of an order whose approval (and, for server-side keys, public key)
/// arrived. A CA that is out of service is retried with exponential backoff and the request
/// shows why it waits; past the retry limit the request fails with `ca-unavailable`.
struct Issuer: Sendable {
    let authorities: [String: CertificateAuthority]
    let settings: CAGatewaySettings
    let audit: AuditLog

    /// Tries to issue `order` in `tx`; `attempts` is how many tries came before this one.
    func attempt(_ order: RequestSubmitted, attempts: Int, traceparent: String?, tx: EventTransaction) async throws {
        let subject = order.request.uuidString.lowercased()
        guard let authority = authorities[order.ca] else {
            try await fail(order, code: "unknown-ca", reason: "CA '\(order.ca)' is not served by this gateway", by: order.ca, tx: tx)
            return
        }
        if let suspended = try await tx.connection.query(
            "SELECT suspended_reason FROM ca_gateway.authorities WHERE name = \(authority.name)", logger: tx.logger
        ).decode(String?.self).collectAll().first ?? nil {
            let attempt = attempts + 1
            let reason = "CA '\(authority.name)' is unavailable: \(suspended)"
            guard attempt < settings.retryLimit else {
                try await fail(
                    order, code: "ca-unavailable", reason: "\(reason) (gave up after \(attempt) attempts)",
                    by: authority.name, tx: tx)
                return
            }
            let delay = settings.retryDelay(after: attempt)
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            let retryAt = Date().addingTimeInterval(seconds)
            try await tx.connection.query(
                """
                UPDATE ca_gateway.orders SET state = 'retrying', attempts = \(attempt), last_error = \(reason),
                    next_attempt_at = \(retryAt), submitted = \(try JSONColumn.encode(order))::jsonb
                WHERE request_id = \(order.request)
                """, logger: tx.logger)
            try await tx.publish(
                tx.outbox.event(
                    .requestDelayed, subject: subject, realm: order.realm,
                    data: RequestDelayed(
                        request: order.request, realm: order.realm, code: "ca-unavailable", reason: reason,
                        attempt: attempt, retryAt: retryAt),
                    traceparent: traceparent))
            tx.logger.warning("CA unavailable; issuance retried later", metadata: ["attempt": "\(attempt)", "ca": "\(authority.name)"])
            return
        }

        let certificate: Certificate
        do {
            certificate = try authority.issue(order)
        } catch let error as CryptoError {
            try await fail(order, code: "issuance-failed", reason: error.reason, by: authority.name, tx: tx)
            return
        }
        try await tx.connection.query(
            """
            INSERT INTO ca_gateway.certificates (ca, serial_number, request_id, realm, subject, not_before, not_after, certificate)
            VALUES (\(authority.name), \(certificate.serialNumberHex), \(order.request), \(order.realm), \(certificate.subject),
                    \(certificate.notBefore), \(certificate.notAfter), \(certificate.pem))
            """, logger: tx.logger)
        try await tx.connection.query(
            "UPDATE ca_gateway.orders SET state = 'issued', attempts = \(attempts + 1) WHERE request_id = \(order.request)",
            logger: tx.logger)
        let issued = CertificateIssued(
            request: order.request, realm: order.realm, ca: authority.name, serialNumber: certificate.serialNumberHex,
            certificate: certificate.pem, chain: authority.chainPEM, notBefore: certificate.notBefore,
            notAfter: certificate.notAfter)
        try await tx.publish(
            tx.outbox.event(.certificateIssued, subject: subject, realm: order.realm, data: issued, traceparent: traceparent))
        try await audit.append(
            realm: order.realm, actor: "ca:\(authority.name)", action: "certificate.issued", target: subject,
            details: "serial \(certificate.serialNumberHex), subject \(certificate.subject), until \(ContractCoding.formatTimestamp(certificate.notAfter))",
            in: tx)
        tx.logger.info("certificate issued", metadata: ["serial": "\(certificate.serialNumberHex)", "ca": "\(authority.name)"])
    }

    private func fail(_ order: RequestSubmitted, code: String, reason: String, by ca: String, tx: EventTransaction)
        async throws
    {
        try await tx.connection.query(
            "UPDATE ca_gateway.orders SET state = 'failed', reason = \(reason) WHERE request_id = \(order.request)",
            logger: tx.logger)
        let failed = RequestFailed(request: order.request, realm: order.realm, code: code, reason: reason, failedBy: "ca:\(ca)")
        try await tx.publish(
            tx.outbox.event(.requestFailed, subject: order.request.uuidString.lowercased(), realm: order.realm, data: failed))
        try await audit.append(
            realm: order.realm, actor: "ca:\(ca)", action: "issuance.failed", target: order.request.uuidString.lowercased(),
            details: "\(code): \(reason)", in: tx)
        tx.logger.warning("issuance failed", metadata: ["code": "\(code)", "reason": "\(reason)"])
    }

    /// Retries orders whose next attempt is due (run periodically).
    static func retryDue(context: ServiceContext, issuer: Issuer) async throws {
        guard context.database.isAvailable else { return }
        try await context.transaction { tx in
            let due = try await tx.connection.query(
                """
                SELECT submitted::text, attempts FROM ca_gateway.orders
                WHERE state = 'retrying' AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED
                """, logger: tx.logger
            ).decode((String, Int).self).collectAll()
            for (text, attempts) in due {
                let order = try JSONColumn.decode(RequestSubmitted.self, from: text)
                try await issuer.attempt(order, attempts: attempts, traceparent: nil, tx: tx)
            }
        }
    }
}
