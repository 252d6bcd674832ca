import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// Runs each request's approval workflow as its policy version prescribes. Automatic approval
/// is decided the moment the submission arrives; e-mail verification and manual (four-eyes)
/// approval are recorded as pending (their flows are not built yet, and intake refuses such
/// policies until they are).
public struct ApprovalModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "approval", schema: "approval", defaultPort: 8083, migrations: ApprovalMigrations.all,
        consumes: [.requestEvents])

    let context: ServiceContext

    public static func make(context: ServiceContext) async throws -> ApprovalModule { ApprovalModule(context: context) }

    public var eventHandler: (any EventHandler)? { ApprovalEventHandler() }

    public struct PendingApproval: Codable, Sendable {
        public var request: UUID
        public var realm: String
        public var mode: String
        public var state: String
        public var createdAt: Date
    }

    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("v1/realms/:realm/approvals") { _, ctx in
            let realm = try ctx.realm()
            let rows = try await context.read { connection in
                try await connection.query(
                    """
                    SELECT request_id, mode, state, created_at FROM approval.decisions
                    WHERE realm = \(realm) AND state = 'pending' ORDER BY created_at
                    """, logger: ctx.logger
                ).decode((UUID, String, String, Date).self).collectAll()
            }
            return JSONResponse(
                rows.map { PendingApproval(request: $0.0, realm: realm, mode: $0.1, state: $0.2, createdAt: $0.3) })
        }
    }
}

/// Decides on submissions.
struct ApprovalEventHandler: EventHandler {
    var eventTypes: Set<String> { [EventType.requestSubmitted.rawValue] }

    func handle(_ event: IncomingEvent, in tx: EventTransaction) async throws {
        let submitted = try event.decode(RequestSubmitted.self).data
        let automatic = submitted.approval.mode == .automatic
        let inserted = try await tx.connection.query(
            """
            INSERT INTO approval.decisions (request_id, realm, policy, policy_version, mode, state, decided_by, reason)
            VALUES (\(submitted.request), \(submitted.realm), \(submitted.policy), \(submitted.policyVersion),
                    \(submitted.approval.mode.rawValue), \(automatic ? "approved" : "pending"),
                    \(automatic ? "system:automatic" : nil as String?),
                    \(automatic ? "policy \(submitted.policy) v\(submitted.policyVersion) approves automatically" : nil as String?))
            ON CONFLICT (request_id) DO NOTHING RETURNING request_id
            """, logger: tx.logger
        ).collectAll()
        guard !inserted.isEmpty, automatic else { return }
        let approved = RequestApproved(
            request: submitted.request, realm: submitted.realm, approvedBy: ["system:automatic"],
            reason: "policy \(submitted.policy) v\(submitted.policyVersion) approves automatically")
        try await tx.publish(
            tx.outbox.event(
                .requestApproved, subject: event.header.subject, realm: submitted.realm, data: approved,
                traceparent: event.header.traceparent))
        tx.logger.info("request approved automatically")
    }
}

enum ApprovalMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "decisions",
            statements: [
                """
                CREATE TABLE approval.decisions (
                    request_id uuid PRIMARY KEY,
                    realm text NOT NULL,
                    policy text NOT NULL,
                    policy_version integer NOT NULL,
                    mode text NOT NULL,
                    state text NOT NULL,
                    decided_by text,
                    reason text,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX decisions_pending ON approval.decisions (realm, state, created_at)",
            ])
    ]
}
