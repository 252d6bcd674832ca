import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Testing

@testable import Intake

/// Intake's submission flow in-process against a real PostgreSQL (no service, no broker):
/// what it records, what it refuses, and idempotency.
@Suite("SubmitRequest use case", .serialized, .timeLimit(.minutes(3)))
struct SubmitRequestTests {
    static let realm = "acme"

    /// A database whose read model holds realm `acme`, policy `web-server` v1 and entity `www`.
    static func prepared() async throws -> (InProcessDatabase, SubmitRequest, String) {
        let db = try await InProcessDatabase.start(IntakeModule.definition)
        try await DemoReadModel.seed(realm: realm, in: db)
        let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
        return (db, SubmitRequest(store: IntakeStore(), audit: AuditLog(service: "intake", schema: "intake")), csr)
    }

    static func input(_ csr: String, key: String? = nil, requester: String = "kim", policy: String = "web-server")
        -> SubmitRequest.Input
    {
        .init(
            realm: realm, requester: requester,
            body: SubmitRequestBody(policy: policy, entities: ["www"], csr: csr), idempotencyKey: key)
    }

    @Test("records the request, its submitted event and its audit record in one go")
    func records() async throws {
        let (db, submit, csr) = try await Self.prepared()
        defer { db.stop() }
        let outcome = try await submit(Self.input(csr), database: db, logger: db.logger)
        guard case .submitted(let id) = outcome else {
            Issue.record("expected a new request, got \(outcome)")
            return
        }
        #expect(try db.database.scalar("SELECT state FROM intake.requests WHERE id = '\(id)'") == "submitted")
        #expect(
            try db.database.query("SELECT event_type, key FROM intake.outbox WHERE event_type <> 'clm.audit.record.v1'")
                == ["clm.request.submitted.v1|\(id.lowercasedString)"])
        #expect(
            try db.database.scalar("SELECT action FROM intake.audit WHERE target = '\(id.lowercasedString)'")
                == "request.submitted")
        // Only the CSR's public key travels on: the subject comes from the end entity.
        let payload = try db.database.scalar(
            "SELECT convert_from(payload, 'UTF8') FROM intake.outbox WHERE event_type = 'clm.request.submitted.v1'")
        #expect(payload.contains("www.demo.example") && !payload.contains("hostile"))
    }

    @Test("the same idempotency key answers with the first request; another requester's key is another request")
    func idempotent() async throws {
        let (db, submit, csr) = try await Self.prepared()
        defer { db.stop() }
        let first = try await submit(Self.input(csr, key: "k-1"), database: db, logger: db.logger)
        let again = try await submit(Self.input(csr, key: "k-1"), database: db, logger: db.logger)
        let other = try await submit(Self.input(csr, key: "k-1", requester: "lee"), database: db, logger: db.logger)
        #expect(again == .existing(first.request))
        #expect(other != again && other.request != first.request)
        #expect(try db.database.scalar("SELECT count(*) FROM intake.requests") == "2")
    }

    @Test("refusals carry their stable code and record nothing")
    func refusals() async throws {
        let (db, submit, csr) = try await Self.prepared()
        defer { db.stop() }
        await #expect(throws: Problem.refused("unknown-policy", "")) {
            try await submit(Self.input(csr, policy: "nope"), database: db, logger: db.logger)
        }
        await #expect(throws: Problem.refused("invalid-csr", "")) {
            _ = try await submit(Self.input("not a csr"), database: db, logger: db.logger)
        }
        var foreign = Self.input(csr)
        foreign.realm = "other"
        await #expect(throws: Problem.notFound("")) {
            try await submit(foreign, database: db, logger: db.logger)
        }
        #expect(try db.database.scalar("SELECT count(*) FROM intake.requests") == "0")
        #expect(try db.database.scalar("SELECT count(*) FROM intake.outbox") == "0")
    }
}
