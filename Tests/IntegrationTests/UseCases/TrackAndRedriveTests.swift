import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Testing

@testable import Intake

/// Intake following a request and re-driving a stalled one, in-process against a real
/// PostgreSQL: the events other services publish become state and history, the transition
/// table drops late ones, and a request without progress has its submission queued again.
@Suite("Intake tracking and re-drive", .serialized, .timeLimit(.minutes(3)))
struct TrackAndRedriveTests {
    static func submitted() async throws -> (InProcessDatabase, UUID) {
        let (db, submit, csr) = try await SubmitRequestTests.prepared()
        let outcome = try await submit(SubmitRequestTests.input(csr), database: db, logger: db.logger)
        return (db, outcome.request)
    }

    static func state(_ db: InProcessDatabase, _ id: UUID) throws -> String {
        try db.database.scalar(
            "SELECT state || ' ' || coalesce(serial_number, '-') FROM intake.requests WHERE id = '\(id)'")
    }

    @Test("approved, then issued; a late wait or a replayed approval changes nothing")
    func tracking() async throws {
        let (db, id) = try await Self.submitted()
        defer { db.stop() }
        let track = TrackRequest(store: IntakeStore())
        let realm = SubmitRequestTests.realm
        try await db.write { tx in
            try await track.approved(
                RequestApproved(request: id, realm: realm, approvedBy: ["auto"], reason: "ok"), in: tx)
        }
        #expect(try Self.state(db, id) == "approved -")
        try await db.write { tx in
            try await track.awaiting(
                RequestAwaiting(
                    request: id, realm: realm, state: .awaitingApproval, required: 2, received: [], expiresAt: Date(),
                    reason: "late"), in: tx)
            try await track.issued(
                CertificateIssued(
                    request: id, realm: realm, ca: "default", serialNumber: "0A1B", certificate: "PEM", chain: "CHAIN",
                    notBefore: Date(), notAfter: Date().addingTimeInterval(86_400)), in: tx)
            try await track.approved(
                RequestApproved(request: id, realm: realm, approvedBy: ["again"], reason: "x"), in: tx)
        }
        #expect(try Self.state(db, id) == "issued 0A1B")
        #expect(
            try db.database.query("SELECT state FROM intake.request_history WHERE request_id = '\(id)' ORDER BY id")
                == ["submitted", "approved", "issued"])
    }

    @Test("a request without progress has its published submission queued again, then backs off")
    func redrive() async throws {
        let (db, id) = try await Self.submitted()
        defer { db.stop() }
        let subject = id.lowercasedString
        _ = try db.database.query(
            """
            UPDATE intake.outbox SET published_at = now() WHERE key = '\(subject)';
            UPDATE intake.requests SET updated_at = now() - interval '2 minutes' WHERE id = '\(id)'
            """)
        let redrive = RedriveStalledRequests(after: .seconds(60), store: IntakeStore())
        #expect(try await redrive(database: db, logger: db.logger) == 1)
        #expect(
            try db.database.scalar(
                "SELECT count(*) FROM intake.outbox WHERE key = '\(subject)' AND published_at IS NULL") == "1")
        // The next round waits out the request's doubled backoff.
        #expect(try await redrive(database: db, logger: db.logger) == 0)
        #expect(try db.database.scalar("SELECT redrives FROM intake.requests WHERE id = '\(id)'") == "1")
    }
}
