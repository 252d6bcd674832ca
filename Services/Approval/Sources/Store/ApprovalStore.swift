import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// The approval tables (`approval.decisions`, `votes`, `verifications`) on one connection:
/// the only place with their SQL. `ApprovalStore` reads; `ApprovalStore.Transaction` also
/// writes, with the outbox and the audit trail of the same transaction.
struct ApprovalStore: ApprovalTables, ApprovalReading {
    let connection: PostgresConnection
    let logger: Logger

    /// One transaction of the approval service.
    struct Transaction: ApprovalTables, ApprovalTransaction, AuditedTransactionStore {
        let base: AuditedTransaction
    }
}

/// Opens the store on the service's database.
struct PostgresApprovalStorage: ApprovalStorage {
    let context: ServiceContext

    var isAvailable: Bool { context.database.isAvailable }

    func read<T: Sendable>(logger: Logger, _ body: (any ApprovalReading) async throws -> T) async throws -> T {
        try await context.read(logger: logger) { try await body(ApprovalStore(connection: $0, logger: logger)) }
    }

    func transaction<T: Sendable>(
        logger: Logger, _ body: (any ApprovalTransaction) async throws -> T
    ) async throws -> T {
        try await context.auditedTransaction(logger: logger) { try await body(ApprovalStore.Transaction(base: $0)) }
    }
}

/// The SQL, shared by the read-only store and the transaction.
protocol ApprovalTables: Sendable {
    var connection: PostgresConnection { get }
    var logger: Logger { get }
}

extension ApprovalTables {
    static var columns: String {
        "request_id, realm, policy, policy_version, mode, state, requester, required, expires_at, decided_by, reason, "
            + "submitted::text, created_at"
    }
    typealias Row = (UUID, String, String, Int, String, String, String, Int, Date?, String?, String?, String?, Date)

    func decisions(realm: String, states: [RequestState], limit: Int) async throws -> [Decision] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM approval.decisions
            WHERE realm = \(realm) AND state = ANY(\(states.map(\.rawValue))) ORDER BY created_at LIMIT \(limit)
            """, logger: logger
        ).decode(Row.self).collectAll()
        var decisions: [Decision] = []
        for row in rows { decisions.append(try await decision(row)) }
        return decisions
    }

    func decision(_ id: UUID, realm: String) async throws -> Decision? {
        try await decision(id, realm: realm, lock: false)
    }

    func lockDecision(_ id: UUID, realm: String) async throws -> Decision? {
        try await decision(id, realm: realm, lock: true)
    }

    private func decision(_ id: UUID, realm: String, lock: Bool) async throws -> Decision? {
        guard
            let row = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM approval.decisions WHERE request_id = \(id) AND realm = \(realm)
                \(unescaped: lock ? "FOR UPDATE" : "")
                """, logger: logger
            ).decode(Row.self).collectAll().first
        else { return nil }
        return try await decision(row)
    }

    private func decision(_ row: Row) async throws -> Decision {
        let submitted = try row.11.map { try JSONColumn.decode(RequestSubmitted.self, from: $0) }
        let votes = try await connection.query(
            "SELECT voter, vote, comment, at FROM approval.votes WHERE request_id = \(row.0) ORDER BY at, voter",
            logger: logger
        ).decode((String, String, String?, Date).self).collectAll().map {
            Decision.Vote(voter: $0.0, vote: $0.1, comment: $0.2, at: $0.3)
        }
        return Decision(
            request: row.0, realm: row.1, policy: row.2, policyVersion: row.3, mode: try Self.typed(row.4),
            state: try Self.typed(row.5), requester: row.6, required: row.7, expiresAt: row.8, decidedBy: row.9,
            reason: row.10, subject: submitted?.subject ?? [], alternativeNames: submitted?.alternativeNames ?? [],
            validityDays: submitted?.validityDays, votes: votes, createdAt: row.12)
    }

    /// A state or mode column as its enum; anything else is corrupt data.
    static func typed<T: RawRepresentable>(_ raw: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: raw) else { throw Problem.internal("approval: unknown \(T.self) '\(raw)'") }
        return value
    }

    func insertDecision(_ submitted: RequestSubmitted, plan: WorkflowPlan) async throws -> Bool {
        let body = try JSONColumn.encode(submitted)
        return try await !connection.query(
            """
            INSERT INTO approval.decisions
                (request_id, realm, policy, policy_version, mode, state, decided_by, reason, requester, required,
                 expires_at, submitted)
            VALUES (\(submitted.request), \(submitted.realm), \(submitted.policy), \(submitted.policyVersion),
                    \(submitted.approval.mode.rawValue), \(plan.state.rawValue), \(plan.decidedBy), \(plan.reason),
                    \(submitted.requester), \(plan.required), \(plan.expiresAt), \(body)::jsonb)
            ON CONFLICT (request_id) DO NOTHING RETURNING request_id
            """, logger: logger
        ).collectAll().isEmpty
    }

    func recordVote(_ id: UUID, voter: String, vote: ApprovalRules.Vote, comment: String?) async throws {
        try await connection.query(
            """
            INSERT INTO approval.votes (request_id, voter, vote, comment)
            VALUES (\(id), \(voter), \(vote.rawValue), \(comment))
            """, logger: logger)
    }

    func decide(_ id: UUID, state: RequestState, by actor: String, reason: String) async throws {
        try await connection.query(
            """
            UPDATE approval.decisions SET state = \(state.rawValue), decided_by = \(actor), reason = \(reason)
            WHERE request_id = \(id)
            """, logger: logger)
    }

    func expiredWaits(limit: Int) async throws -> [ExpiredWait] {
        let waiting = [RequestState.awaitingApproval.rawValue, RequestState.awaitingVerification.rawValue]
        let rows = try await connection.query(
            """
            SELECT request_id, realm, mode, required,
                   (SELECT count(*)::int FROM approval.votes v
                    WHERE v.request_id = d.request_id AND v.vote = 'approve'),
                   (SELECT count(*)::int FROM approval.verifications e
                    WHERE e.request_id = d.request_id AND e.confirmed_at IS NOT NULL)
            FROM approval.decisions d
            WHERE state = ANY(\(waiting)) AND expires_at <= now()
            ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: logger
        ).decode((UUID, String, String, Int, Int, Int).self).collectAll()
        return try rows.map {
            ExpiredWait(
                request: $0.0, realm: $0.1, mode: try Self.typed($0.2), required: $0.3, approvals: $0.4,
                confirmations: $0.5)
        }
    }
}
