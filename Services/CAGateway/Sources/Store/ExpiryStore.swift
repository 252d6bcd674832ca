import CLMContracts
import CLMStorage
import Foundation
import PostgresNIO

/// `ca_gateway.expiry_notices`: which expiry warnings (and expiries) were announced. Its
/// primary key is what makes each announcement happen once, whatever replica sweeps.
extension PostgresCAGatewayTransaction {
    func lockDueExpiries(now: Date, limit: Int) async throws -> [ExpiringCertificate] {
        let rows = try await connection.query(
            """
            SELECT c.ca, c.serial_number, c.request_id, c.realm, c.subject, c.not_after,
                   COALESCE(c.requester, o.submitted->>'requester'),
                   c.alternative_names, c.expiry_warnings,
                   ARRAY(SELECT n.threshold_seconds FROM ca_gateway.expiry_notices n
                         WHERE n.ca = c.ca AND n.serial_number = c.serial_number),
                   ARRAY(SELECT jsonb_array_elements_text(CASE
                       WHEN jsonb_typeof(o.submitted->'verificationEmails') = 'array'
                       THEN o.submitted->'verificationEmails' ELSE '[]'::jsonb END))
            FROM ca_gateway.certificates c
            LEFT JOIN ca_gateway.orders o ON o.request_id = c.request_id
            WHERE NOT EXISTS (
                    SELECT 1 FROM ca_gateway.revocations r WHERE r.ca = c.ca AND r.serial_number = c.serial_number)
                AND EXISTS (
                    SELECT 1 FROM unnest(c.expiry_warnings || 0) AS t(seconds)
                    WHERE c.not_after - make_interval(secs => t.seconds) <= \(now)
                        AND NOT EXISTS (
                            SELECT 1 FROM ca_gateway.expiry_notices n
                            WHERE n.ca = c.ca AND n.serial_number = c.serial_number
                                AND n.threshold_seconds = t.seconds))
            ORDER BY c.not_after, c.ca, c.serial_number
            LIMIT \(limit)
            FOR UPDATE OF c SKIP LOCKED
            """, logger: logger
        ).decode((String, String, UUID, String, String, Date, String?, [String], [Int32], [Int32], [String]).self)
            .collectAll()
        return rows.map {
            ExpiringCertificate(
                ca: $0.0, serialNumber: $0.1, request: $0.2, realm: $0.3, subject: $0.4, notAfter: $0.5,
                requester: $0.6 ?? "system:unknown", alternativeNames: $0.7, thresholds: $0.8.map(Int.init),
                done: Set($0.9.map(Int.init)), verifiedEmails: $0.10)
        }
    }

    func recordExpiryNotices(ca: String, serialNumber: String, notices: [Int]) async throws -> Set<Int> {
        let values = notices.map(Int32.init)
        let rows = try await connection.query(
            """
            INSERT INTO ca_gateway.expiry_notices (ca, serial_number, threshold_seconds)
            SELECT \(ca), \(serialNumber), t FROM unnest(\(values)::integer[]) AS t
            ON CONFLICT DO NOTHING
            RETURNING threshold_seconds
            """, logger: logger
        ).decode(Int32.self).collectAll()
        return Set(rows.map(Int.init))
    }
}
