import CLMContracts
import CLMStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The verification links (`approval.verifications`). Every state change is guarded by the
/// states `VerificationState` allows it from, so a late writer (a mailer whose lease lapsed,
/// a send that finished after its request expired) changes nothing.
extension ApprovalTables {
    func addVerifications(_ id: UUID, emails: [String]) async throws {
        for email in emails {
            try await connection.query(
                """
                INSERT INTO approval.verifications (request_id, email, state)
                VALUES (\(id), \(email), \(VerificationState.due.rawValue))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    func claimDueMail(tokenHash: [UInt8], lease: Duration) async throws -> DueMail? {
        let claimable = VerificationState.sources(of: .sending).map(\.rawValue)
        guard
            let row = try await connection.query(
                """
                SELECT v.request_id, v.email, v.attempts, d.realm, d.expires_at, d.submitted::text
                FROM approval.verifications v JOIN approval.decisions d USING (request_id)
                WHERE v.sent_at IS NULL AND v.state = ANY(\(claimable)) AND v.next_attempt_at <= now()
                    AND d.state = \(RequestState.awaitingVerification.rawValue)
                ORDER BY v.next_attempt_at LIMIT 1 FOR UPDATE OF v SKIP LOCKED
                """, logger: logger
            ).decode((UUID, String, Int, String, Date?, String).self).collectAll().first
        else { return nil }
        let (id, email, attempts, realm, expiresAt, submitted) = row
        try await connection.query(
            """
            UPDATE approval.verifications
            SET state = \(VerificationState.sending.rawValue), token_hash = \(ByteBuffer(bytes: tokenHash)),
                attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => \(Self.seconds(lease)))
            WHERE request_id = \(id) AND email = \(email)
            """, logger: logger)
        return DueMail(
            request: id, email: email, attempt: attempts + 1, realm: realm, expiresAt: expiresAt,
            submitted: try JSONColumn.decode(RequestSubmitted.self, from: submitted), tokenHash: tokenHash)
    }

    func recordMail(
        _ mail: DueMail, state: VerificationState, error: String?, retryAfterSeconds: Int?
    ) async throws -> Bool {
        // An outcome is recorded only over the claim it belongs to.
        let from = VerificationState.sources(of: state).filter { $0 == .sending }.map(\.rawValue)
        return try await !connection.query(
            """
            UPDATE approval.verifications
            SET state = \(state.rawValue), last_error = \(error),
                sent_at = CASE WHEN \(state == .sent) THEN now() ELSE sent_at END,
                next_attempt_at = now() + make_interval(secs => \(Double(retryAfterSeconds ?? 0)))
            WHERE request_id = \(mail.request) AND email = \(mail.email)
                AND token_hash = \(ByteBuffer(bytes: mail.tokenHash)) AND state = ANY(\(from))
            RETURNING 1
            """, logger: logger
        ).collectAll().isEmpty
    }

    func link(_ tokenHash: [UInt8]) async throws -> LinkRecord? {
        try await link(tokenHash, lock: false)
    }

    /// Locks the decision before the link, in the order every writer of both takes them (the
    /// expiry sweep, a failed mail), so none of them waits for another in a cycle.
    func lockLink(_ tokenHash: [UInt8]) async throws -> LinkRecord? {
        guard let unlocked = try await link(tokenHash, lock: false) else { return nil }
        try await connection.query(
            "SELECT 1 FROM approval.decisions WHERE request_id = \(unlocked.request) FOR UPDATE", logger: logger)
        return try await link(tokenHash, lock: true)
    }

    private func link(_ tokenHash: [UInt8], lock: Bool) async throws -> LinkRecord? {
        guard
            let row = try await connection.query(
                """
                SELECT v.request_id, v.email, v.state, d.state, d.expires_at, d.submitted::text
                FROM approval.verifications v JOIN approval.decisions d USING (request_id)
                WHERE v.token_hash = \(ByteBuffer(bytes: tokenHash)) \(unescaped: lock ? "FOR UPDATE OF v" : "")
                """, logger: logger
            ).decode((UUID, String, String, String, Date?, String).self).collectAll().first
        else { return nil }
        return LinkRecord(
            request: row.0, email: row.1, state: try Self.typed(row.2), requestState: try Self.typed(row.3),
            expiresAt: row.4, submitted: try JSONColumn.decode(RequestSubmitted.self, from: row.5))
    }

    func confirm(_ tokenHash: [UInt8]) async throws {
        let from = VerificationState.sources(of: .confirmed).map(\.rawValue)
        try await connection.query(
            """
            UPDATE approval.verifications SET state = \(VerificationState.confirmed.rawValue), confirmed_at = now()
            WHERE token_hash = \(ByteBuffer(bytes: tokenHash)) AND state = ANY(\(from))
            """, logger: logger)
    }

    func addresses(of id: UUID) async throws -> [AddressProgress] {
        try await connection.query(
            """
            SELECT email, confirmed_at IS NOT NULL FROM approval.verifications WHERE request_id = \(id)
            ORDER BY email
            """, logger: logger
        ).decode((String, Bool).self).collectAll().map { AddressProgress(email: $0.0, confirmed: $0.1) }
    }

    func endVerifications(of id: UUID) async throws {
        let from = VerificationState.sources(of: .expired).map(\.rawValue)
        try await connection.query(
            """
            UPDATE approval.verifications SET state = \(VerificationState.expired.rawValue)
            WHERE request_id = \(id) AND state = ANY(\(from))
            """, logger: logger)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
