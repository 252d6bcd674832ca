import CLMContracts
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// The approval service's SQL.
struct ApprovalStore: Sendable {
    /// A decision as the API shows it.
    struct DecisionView: Codable, Sendable {
        struct VoteView: Codable, Sendable {
            var voter: String
            var vote: String
            var comment: String?
            var at: Date
        }
        var request: UUID
        var realm: String
        var policy: String
        var policyVersion: Int
        var mode: String
        var state: String
        var requester: String
        var required: Int
        var expiresAt: Date?
        var decidedBy: String?
        var reason: String?
        var subject: [SubjectAttribute]
        var alternativeNames: [AlternativeName]
        var validityDays: Int?
        var votes: [VoteView]
        var createdAt: Date
    }

    static let columns =
        "request_id, realm, policy, policy_version, mode, state, requester, required, expires_at, decided_by, reason, submitted::text, created_at"
    typealias Row = (UUID, String, String, Int, String, String, String, Int, Date?, String?, String?, String?, Date)

    func list(realm: String, states: [String], limit: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [DecisionView]
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM approval.decisions
            WHERE realm = \(realm) AND state = ANY(\(states)) ORDER BY created_at LIMIT \(limit)
            """, logger: logger
        ).decode(Row.self).collectAll()
        var views: [DecisionView] = []
        for row in rows { views.append(try await view(row, on: connection, logger: logger)) }
        return views
    }

    func decision(_ id: UUID, realm: String, forUpdate: Bool, on connection: PostgresConnection, logger: Logger)
        async throws -> DecisionView?
    {
        guard
            let row = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM approval.decisions WHERE request_id = \(id) AND realm = \(realm)
                \(unescaped: forUpdate ? "FOR UPDATE" : "")
                """, logger: logger
            ).decode(Row.self).collectAll().first
        else { return nil }
        return try await view(row, on: connection, logger: logger)
    }

    private func view(_ row: Row, on connection: PostgresConnection, logger: Logger) async throws -> DecisionView {
        let submitted = try row.11.map { try JSONColumn.decode(RequestSubmitted.self, from: $0) }
        let votes = try await connection.query(
            "SELECT voter, vote, comment, at FROM approval.votes WHERE request_id = \(row.0) ORDER BY at, voter",
            logger: logger
        ).decode((String, String, String?, Date).self).collectAll().map {
            DecisionView.VoteView(voter: $0.0, vote: $0.1, comment: $0.2, at: $0.3)
        }
        return DecisionView(
            request: row.0, realm: row.1, policy: row.2, policyVersion: row.3, mode: row.4, state: row.5,
            requester: row.6, required: row.7, expiresAt: row.8, decidedBy: row.9, reason: row.10,
            subject: submitted?.subject ?? [], alternativeNames: submitted?.alternativeNames ?? [],
            validityDays: submitted?.validityDays, votes: votes, createdAt: row.12)
    }

    func recordVote(
        _ id: UUID, voter: String, vote: ApprovalRules.Vote, comment: String?, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO approval.votes (request_id, voter, vote, comment)
            VALUES (\(id), \(voter), \(vote.rawValue), \(comment))
            """, logger: logger)
    }

    func decide(
        _ id: UUID, state: RequestState, by actor: String, reason: String, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE approval.decisions SET state = \(state.rawValue), decided_by = \(actor), reason = \(reason)
            WHERE request_id = \(id)
            """, logger: logger)
    }
}
