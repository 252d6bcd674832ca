import CLMContracts
import CLMCrypto
import Foundation
import PostgresNIO

/// `ca_gateway.revocations` and `.revocation_lists`: what is revoked, and each CA's current CRL.
extension PostgresCAGatewayTransaction {
    func lockCertificate(_ locator: CertificateLocator, realm: String) async throws -> RevocableCertificate? {
        let select = """
            SELECT c.ca, c.serial_number, c.request_id, c.requester, c.not_after,
                   r.reason, r.comment, r.revoked_by, r.revoked_at
            FROM ca_gateway.certificates c
            LEFT JOIN ca_gateway.revocations r ON r.ca = c.ca AND r.serial_number = c.serial_number
            """
        let query: PostgresQuery
        switch locator {
        case .serial(let serial):
            query =
                "\(unescaped: select) WHERE c.realm = \(realm) AND c.serial_number = \(serial) LIMIT 1 FOR UPDATE OF c"
        case .request(let request):
            query = "\(unescaped: select) WHERE c.realm = \(realm) AND c.request_id = \(request) FOR UPDATE OF c"
        }
        let rows = try await connection.query(query, logger: logger)
            .decode((String, String, UUID, String?, Date, String?, String?, String?, Date?).self).collectAll()
        return rows.first.map { row in
            var revocation: RevocationView?
            if let reason = row.5.flatMap(RevocationReasonName.init(rawValue:)), let by = row.7, let at = row.8 {
                revocation = RevocationView(
                    ca: row.0, serialNumber: row.1, request: row.2, reason: reason, comment: row.6, revokedBy: by,
                    revokedAt: at)
            }
            return RevocableCertificate(
                ca: row.0, serialNumber: row.1, request: row.2, realm: realm, requester: row.3, notAfter: row.4,
                revocation: revocation)
        }
    }

    func insertRevocation(_ revocation: RevocationView, realm: String) async throws {
        try await connection.query(
            """
            INSERT INTO ca_gateway.revocations (ca, serial_number, realm, reason, comment, revoked_by, revoked_at)
            VALUES (\(revocation.ca), \(revocation.serialNumber), \(realm), \(revocation.reason.rawValue),
                    \(revocation.comment), \(revocation.revokedBy), \(revocation.revokedAt))
            """, logger: logger)
    }

    func lockRevocationList(ca: String) async throws -> RevocationListState? {
        // An advisory lock, not a row lock: it also serialises the very first CRL of a CA,
        // when there is no row to lock yet (two replicas starting at once).
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("clm.crl." + ca)))", logger: logger)
        let rows = try await connection.query(
            "SELECT crl_number, next_update FROM ca_gateway.revocation_lists WHERE ca = \(ca)", logger: logger
        ).decode((Int64, Date).self).collectAll()
        return rows.first.map { RevocationListState(number: UInt64($0.0), nextUpdate: $0.1) }
    }

    func revokedEntries(ca: String, expiringAfter oldest: Date) async throws -> [RevokedCertificate] {
        let rows = try await connection.query(
            """
            SELECT r.serial_number, r.revoked_at, r.reason FROM ca_gateway.revocations r
            JOIN ca_gateway.certificates c ON c.ca = r.ca AND c.serial_number = r.serial_number
            WHERE r.ca = \(ca) AND c.not_after > \(oldest)
            """, logger: logger
        ).decode((String, Date, String).self).collectAll()
        return try rows.map {
            RevokedCertificate(
                serialNumber: try SerialNumber(hex: $0.0), revocationDate: $0.1,
                reason: RevocationReasonName(rawValue: $0.2)?.crlReason ?? .unspecified)
        }
    }

    func saveRevocationList(ca: String, _ list: RevocationList) async throws {
        let number = Int64(list.crlNumber ?? 0)
        let nextUpdate = list.nextUpdate ?? list.thisUpdate
        try await connection.query(
            """
            INSERT INTO ca_gateway.revocation_lists (ca, crl_number, this_update, next_update, der)
            VALUES (\(ca), \(number), \(list.thisUpdate), \(nextUpdate), \(ByteBuffer(bytes: list.der)))
            ON CONFLICT (ca) DO UPDATE SET crl_number = EXCLUDED.crl_number, this_update = EXCLUDED.this_update,
                next_update = EXCLUDED.next_update, der = EXCLUDED.der
            """, logger: logger)
    }
}
