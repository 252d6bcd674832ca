import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// The gateway's tables in PostgreSQL (`ca_gateway.orders`, `.certificates`, `.authorities`).
/// This folder is the only place with their SQL.
struct PostgresCAGatewayStore: CAGatewayStore {
    let context: ServiceContext

    func transaction<T: Sendable>(
        logger: Logger, _ body: (any CAGatewayTransaction) async throws -> T
    ) async throws -> T {
        try await context.auditedTransaction(logger: logger) { try await body(PostgresCAGatewayTransaction(base: $0)) }
    }

    func suspensions(logger: Logger) async throws -> [String: String] {
        let rows = try await context.read(logger: logger) { connection in
            try await connection.query(
                "SELECT name, suspended_reason FROM ca_gateway.authorities WHERE suspended_reason IS NOT NULL",
                logger: logger
            ).decode((String, String).self).collectAll()
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }
}

/// One transaction of the gateway: its SQL, its outbox and its audit chain. The event
/// handler wraps the transaction the event processor opened for an event.
struct PostgresCAGatewayTransaction: CAGatewayTransaction, AuditedTransactionStore {
    let base: AuditedTransaction

    func suspendedReason(ca: String) async throws -> String? {
        try await connection.query(
            "SELECT suspended_reason FROM ca_gateway.authorities WHERE name = \(ca)", logger: logger
        ).decode(String?.self).collectAll().first ?? nil
    }

    func setSuspended(ca: String, reason: String?) async throws {
        try await connection.query(
            "UPDATE ca_gateway.authorities SET suspended_reason = \(reason) WHERE name = \(ca)", logger: logger)
    }

    func recordCertificate(_ certificate: IssuedCertificate) async throws {
        try await connection.query(
            """
            INSERT INTO ca_gateway.certificates
                (ca, serial_number, request_id, realm, subject, not_before, not_after, certificate,
                 requester, policy, policy_version, entities, alternative_names, expiry_warnings)
            VALUES (\(certificate.ca), \(certificate.serialNumber), \(certificate.request), \(certificate.realm),
                    \(certificate.subject), \(certificate.notBefore), \(certificate.notAfter), \(certificate.pem),
                    \(certificate.requester), \(certificate.policy), \(certificate.policyVersion),
                    \(certificate.entities), \(certificate.alternativeNames),
                    \(certificate.expiryWarnings.map(Int32.init)))
            """, logger: logger)
    }
}
