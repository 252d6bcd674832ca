import CLMContracts
import CLMServiceKit
import Foundation
import Logging
import PostgresNIO

/// The inventory's reads: searches, one certificate, and what OCSP needs to know of serials.
extension PostgresCAGatewayStore {
    private static let columns = """
        c.ca, c.serial_number, c.request_id, c.subject, c.alternative_names, c.not_before, c.not_after, c.issued_at,
        c.requester, c.policy, c.policy_version, c.entities, r.reason, r.comment, r.revoked_by, r.revoked_at
        FROM ca_gateway.certificates c
        LEFT JOIN ca_gateway.revocations r ON r.ca = c.ca AND r.serial_number = c.serial_number
        """

    private typealias Row = (
        String, String, UUID, String, [String], Date, Date, Date, String?, String?, Int?, [String], String?, String?,
        String?, Date?
    )

    func certificates(realm: String, query: CertificateQuery, now: Date, logger: Logger) async throws
        -> [CertificateView]
    {
        let (column, direction, comparison) =
            switch query.sort {
            case .notAfter: ("c.not_after", "ASC", ">")
            case .notAfterDescending: ("c.not_after", "DESC", "<")
            case .issued: ("c.issued_at", "ASC", ">")
            case .issuedDescending: ("c.issued_at", "DESC", "<")
            }
        let key = "round(extract(epoch FROM \(column)) * 1000000)::bigint"
        let state = query.state?.rawValue
        let sql: PostgresQuery = """
            SELECT \(unescaped: Self.columns)
            WHERE c.realm = \(realm)
              AND (\(query.serialNumber)::text IS NULL OR c.serial_number = \(query.serialNumber))
              AND (\(query.policy)::text IS NULL OR c.policy = \(query.policy))
              AND (\(query.entity)::text IS NULL OR \(query.entity) = ANY(c.entities))
              AND (\(query.requester)::text IS NULL OR c.requester = \(query.requester))
              AND (\(query.text)::text IS NULL OR strpos(
                    lower(c.subject || ' ' || array_to_string(c.alternative_names, ' ')), lower(\(query.text))) > 0)
              AND (\(state)::text IS NULL
                   OR (\(state) = 'revoked' AND r.serial_number IS NOT NULL)
                   OR (\(state) = 'valid' AND r.serial_number IS NULL AND c.not_after > \(now))
                   OR (\(state) = 'expired' AND r.serial_number IS NULL AND c.not_after <= \(now)))
              AND (\(query.expiringBefore)::timestamptz IS NULL
                   OR (r.serial_number IS NULL AND c.not_after > \(now) AND c.not_after <= \(query.expiringBefore)))
              AND (\(query.cursor?.key)::bigint IS NULL
                   OR (\(unescaped: key), c.serial_number) \(unescaped: comparison)
                      (\(query.cursor?.key), \(query.cursor?.serialNumber)))
            ORDER BY \(unescaped: column) \(unescaped: direction), c.serial_number \(unescaped: direction)
            LIMIT \(query.limit + 1)
            """
        let rows = try await context.read(logger: logger) { connection in
            try await connection.query(sql, logger: logger).decode(Row.self).collectAll()
        }
        return rows.map { Self.view($0, now: now) }
    }

    func certificate(realm: String, serialNumber: String, now: Date, logger: Logger) async throws
        -> (view: CertificateView, pem: String)?
    {
        let rows = try await context.read(logger: logger) { connection in
            try await connection.query(
                """
                SELECT \(unescaped: Self.columns), c.certificate
                WHERE c.realm = \(realm) AND c.serial_number = \(serialNumber) ORDER BY c.issued_at DESC LIMIT 1
                """, logger: logger
            ).decode(
                (
                    String, String, UUID, String, [String], Date, Date, Date, String?, String?, Int?, [String],
                    String?, String?, String?, Date?, String
                ).self
            ).collectAll()
        }
        return rows.first.map { row in
            let head: Row = (
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12, row.13,
                row.14, row.15
            )
            return (Self.view(head, now: now), row.16)
        }
    }

    /// For each of `serials` the CA issued: its revocation, or nil while it is not revoked.
    /// Serials the CA never issued are absent.
    func revocationStatus(ca: String, serials: [String], logger: Logger) async throws
        -> [String: (time: Date, reason: RevocationReasonName)?]
    {
        let rows = try await context.read(logger: logger) { connection in
            try await connection.query(
                """
                SELECT c.serial_number, r.revoked_at, r.reason FROM ca_gateway.certificates c
                LEFT JOIN ca_gateway.revocations r ON r.ca = c.ca AND r.serial_number = c.serial_number
                WHERE c.ca = \(ca) AND c.serial_number = ANY(\(serials))
                """, logger: logger
            ).decode((String, Date?, String?).self).collectAll()
        }
        var statuses: [String: (time: Date, reason: RevocationReasonName)?] = [:]
        for row in rows {
            if let time = row.1, let reason = row.2.flatMap(RevocationReasonName.init(rawValue:)) {
                statuses[row.0] = (time, reason)
            } else {
                statuses[row.0] = .some(nil)
            }
        }
        return statuses
    }

    /// The CA's current CRL, as signed.
    func revocationList(ca: String, logger: Logger) async throws -> [UInt8]? {
        try await context.read(logger: logger) { connection in
            try await connection.query(
                "SELECT der FROM ca_gateway.revocation_lists WHERE ca = \(ca)", logger: logger
            ).decode(ByteBuffer.self).collectAll().first.map { Array(buffer: $0) }
        }
    }

    private static func view(_ row: Row, now: Date) -> CertificateView {
        var revocation: RevocationView?
        if let reason = row.12.flatMap(RevocationReasonName.init(rawValue:)), let by = row.14, let at = row.15 {
            revocation = RevocationView(
                ca: row.0, serialNumber: row.1, request: row.2, reason: reason, comment: row.13, revokedBy: by,
                revokedAt: at)
        }
        let state: CertificateState = revocation != nil ? .revoked : (row.6 > now ? .valid : .expired)
        return CertificateView(
            ca: row.0, serialNumber: row.1, request: row.2, subject: row.3, alternativeNames: row.4, notBefore: row.5,
            notAfter: row.6, issuedAt: row.7, state: state, requester: row.8, policy: row.9, policyVersion: row.10,
            entities: row.11, revocation: revocation)
    }
}
