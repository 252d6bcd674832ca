import CLMContracts
import CLMStorage
import Foundation
import PostgresNIO

/// `ca_gateway.orders`: states are bound as `CAOrderState` raw values, never written as literals.
extension PostgresCAGatewayTransaction {
    func recordOrder(_ submitted: RequestSubmitted) async throws {
        let body = try JSONColumn.encode(submitted)
        try await connection.query(
            """
            INSERT INTO ca_gateway.orders (request_id, realm, submitted, state)
            VALUES (\(submitted.request), \(submitted.realm), \(body)::jsonb, \(CAOrderState.waiting.rawValue))
            ON CONFLICT (request_id) DO NOTHING
            """, logger: logger)
    }

    func lockOrder(request: UUID, realm: String) async throws -> CAOrder? {
        let rows = try await connection.query(
            """
            SELECT submitted::text, state, attempts FROM ca_gateway.orders
            WHERE request_id = \(request) AND realm = \(realm) FOR UPDATE
            """, logger: logger
        ).decode((String, String, Int).self).collectAll()
        return try rows.first.map(Self.order)
    }

    func lockDueOrders(limit: Int) async throws -> [CAOrder] {
        try await connection.query(
            """
            SELECT submitted::text, state, attempts FROM ca_gateway.orders
            WHERE state = \(CAOrderState.retrying.rawValue) AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: logger
        ).decode((String, String, Int).self).collectAll().map(Self.order)
    }

    func save(_ change: OrderChange, of order: CAOrder) async throws {
        let from = order.state.rawValue
        let to = change.state.rawValue
        let query: PostgresQuery =
            switch change {
            case .awaitKey:
                """
                UPDATE ca_gateway.orders SET state = \(to)
                WHERE request_id = \(order.request) AND state = \(from) RETURNING request_id
                """
            case .retry(let attempt, let reason, let retryAt, let submitted):
                """
                UPDATE ca_gateway.orders SET state = \(to), attempts = \(attempt), last_error = \(reason),
                    next_attempt_at = \(retryAt), submitted = \(try JSONColumn.encode(submitted))::jsonb
                WHERE request_id = \(order.request) AND state = \(from) RETURNING request_id
                """
            case .issued(let attempts):
                """
                UPDATE ca_gateway.orders SET state = \(to), attempts = \(attempts)
                WHERE request_id = \(order.request) AND state = \(from) RETURNING request_id
                """
            case .failed(let reason):
                """
                UPDATE ca_gateway.orders SET state = \(to), reason = \(reason)
                WHERE request_id = \(order.request) AND state = \(from) RETURNING request_id
                """
            }
        // The row is locked: a miss means the order moved under a lock it should not have lost.
        guard try await !connection.query(query, logger: logger).collectAll().isEmpty else {
            throw Problem.internal("order \(order.request) is no longer \(from)")
        }
    }

    func resumeRetries(ca: String) async throws {
        try await connection.query(
            """
            UPDATE ca_gateway.orders SET next_attempt_at = now()
            WHERE state = \(CAOrderState.retrying.rawValue) AND submitted->>'ca' = \(ca)
            """, logger: logger)
    }

    private static func order(_ row: (String, String, Int)) throws -> CAOrder {
        guard let state = CAOrderState(rawValue: row.1) else {
            throw Problem.internal("order in unknown state '\(row.1)'")
        }
        let submitted = try JSONColumn.decode(RequestSubmitted.self, from: row.0)
        return CAOrder(submitted: submitted, state: state, attempts: row.2)
    }
}
