import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// keygen's tables in PostgreSQL (`keygen.orders`, `keygen.keys`): the only place with their SQL.
struct KeygenStore: KeygenStoring {
    let context: ServiceContext

    var isAvailable: Bool { context.database.isAvailable }

    func transaction<T: Sendable>(logger: Logger, _ body: (any KeygenTransaction) async throws -> T)
        async throws -> T
    {
        try await context.auditedTransaction(logger: logger) { try await body(PostgresKeygenTransaction(base: $0)) }
    }

    func isAwaitingCertificate(request: UUID, realm: String, logger: Logger) async throws -> Bool {
        try await context.read(logger: logger) { connection in
            try await connection.query(
                """
                SELECT 1 FROM keygen.keys WHERE request_id = \(request) AND realm = \(realm)
                AND certificate IS NULL AND destroyed_at IS NULL
                """, logger: logger
            ).collectAll().isEmpty == false
        }
    }

    func claimDownloadAttempt(
        request: UUID, realm: String, requester: String, limit: Int, logger: Logger
    ) async throws -> DownloadClaim {
        try await context.transaction(logger: logger) { tx in
            let claimed = try await tx.connection.query(
                """
                UPDATE keygen.orders SET failed_downloads = failed_downloads + 1
                WHERE request_id = \(request) AND realm = \(realm) AND requester = \(requester)
                AND key_password_verifier IS NOT NULL AND failed_downloads < \(limit)
                RETURNING failed_downloads, key_password_verifier
                """, logger: tx.logger
            ).decode((Int, String).self).collectAll().first
            if let (attempt, verifier) = claimed { return .claimed(attempt: attempt, verifier: verifier) }
            let chosen = try await tx.connection.query(
                """
                SELECT key_password_verifier IS NOT NULL FROM keygen.orders
                WHERE request_id = \(request) AND realm = \(realm) AND requester = \(requester)
                """, logger: tx.logger
            ).decode(Bool.self).collectAll().first
            return chosen == true ? .locked : .notRequired
        }
    }

    /// Which events concern keygen: only those of requests it holds an order for.
    static func hasOrder(request: UUID, client: PostgresClient, logger: Logger) async throws -> Bool {
        try await client.query("SELECT 1 FROM keygen.orders WHERE request_id = \(request)", logger: logger)
            .collectAll().isEmpty == false
    }

    /// Re-wraps up to `limit` data keys not under `current` with `rewrap`, in one transaction
    /// (no outbox: nothing is published); returns how many.
    func rewrapBatch(
        current: String, limit: Int, logger: Logger, _ rewrap: (SealedKey) throws -> SealedKey
    ) async throws -> Int {
        try await context.client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT request_id, sealed_key FROM keygen.keys
                WHERE sealed_key IS NOT NULL AND kek_id <> \(current)
                ORDER BY request_id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode((UUID, ByteBuffer).self).collectAll()
            for (id, bytes) in rows {
                let rewrapped = try rewrap(try SealedKey(combinedBytes: Array(buffer: bytes)))
                try await connection.query(
                    """
                    UPDATE keygen.keys
                    SET sealed_key = \(ByteBuffer(bytes: rewrapped.combinedBytes)), kek_id = \(current)
                    WHERE request_id = \(id)
                    """, logger: logger)
            }
            return rows.count
        }
    }
}
