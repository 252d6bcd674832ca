import CLMContracts
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// The expiry notice mails (`approval.notice_mails`). The primary key (certificate, threshold,
/// address) is what keeps a re-delivered notice from queueing a second mail; every state
/// change is guarded by the states `NoticeMailState` allows it from.
extension ApprovalTables {
    func queueNoticeMails(_ notice: CertificateExpiring, to emails: [String]) async throws -> Int {
        let body = try JSONColumn.encode(notice)
        var queued = 0
        for email in emails {
            let inserted = try await connection.query(
                """
                INSERT INTO approval.notice_mails
                    (ca, serial_number, threshold_seconds, email, request_id, realm, notice, state)
                VALUES (\(notice.ca), \(notice.serialNumber), \(notice.thresholdSeconds), \(email),
                        \(notice.request), \(notice.realm), \(body)::jsonb, \(NoticeMailState.due.rawValue))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger
            ).collectAll()
            queued += inserted.count
        }
        return queued
    }

    func claimDueNoticeMail(claim: UUID, lease: Duration) async throws -> NoticeMail? {
        let claimable = NoticeMailState.sources(of: .sending).map(\.rawValue)
        guard
            let row = try await connection.query(
                """
                UPDATE approval.notice_mails m
                SET state = \(NoticeMailState.sending.rawValue), claim = \(claim), attempts = m.attempts + 1,
                    next_attempt_at = now() + make_interval(secs => \(Self.seconds(lease)))
                WHERE (m.ca, m.serial_number, m.threshold_seconds, m.email) = (
                    SELECT ca, serial_number, threshold_seconds, email FROM approval.notice_mails
                    WHERE state = ANY(\(claimable)) AND next_attempt_at <= now()
                    ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING m.email, m.attempts, m.notice::text
                """, logger: logger
            ).decode((String, Int, String).self).collectAll().first
        else { return nil }
        return NoticeMail(
            notice: try JSONColumn.decode(CertificateExpiring.self, from: row.2), email: row.0, attempt: row.1,
            claim: claim)
    }

    func recordNoticeMail(
        _ mail: NoticeMail, state: NoticeMailState, error: String?, retryAfterSeconds: Int?
    ) async throws -> Bool {
        // An outcome is recorded only over the claim it belongs to.
        let from = NoticeMailState.sources(of: state).filter { $0 == .sending }.map(\.rawValue)
        return try await !connection.query(
            """
            UPDATE approval.notice_mails
            SET state = \(state.rawValue), last_error = \(error),
                sent_at = CASE WHEN \(state == .sent) THEN now() ELSE sent_at END,
                next_attempt_at = now() + make_interval(secs => \(Double(retryAfterSeconds ?? 0)))
            WHERE ca = \(mail.notice.ca) AND serial_number = \(mail.notice.serialNumber)
                AND threshold_seconds = \(mail.notice.thresholdSeconds) AND email = \(mail.email)
                AND claim = \(mail.claim) AND state = ANY(\(from))
            RETURNING 1
            """, logger: logger
        ).collectAll().isEmpty
    }
}
