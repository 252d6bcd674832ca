import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// `KeygenTransaction` over one PostgreSQL transaction with its outbox and audit log.
struct PostgresKeygenTransaction: KeygenTransaction, AuditedTransactionStore {
    let base: AuditedTransaction

    func insertOrder(_ order: KeyOrderRecord) async throws {
        try await connection.query(
            """
            INSERT INTO keygen.orders (request_id, realm, key_spec, requester, retention_seconds, key_password_verifier)
            VALUES (\(order.request), \(order.realm), \(order.keySpec), \(order.requester),
                    \(order.retentionSeconds), \(order.passwordVerifier))
            ON CONFLICT (request_id) DO NOTHING
            """, logger: logger)
    }

    func lockOrderKeySpec(request: UUID, realm: String) async throws -> String? {
        try await connection.query(
            "SELECT key_spec FROM keygen.orders WHERE request_id = \(request) AND realm = \(realm) FOR UPDATE",
            logger: logger
        ).decode(String.self).collectAll().first
    }

    func hasKey(request: UUID) async throws -> Bool {
        try await connection.query("SELECT 1 FROM keygen.keys WHERE request_id = \(request)", logger: logger)
            .collectAll().isEmpty == false
    }

    func insertKey(_ key: NewSealedKey) async throws {
        try await connection.query(
            """
            INSERT INTO keygen.keys (request_id, realm, key_spec, sealed_key, kek_id, public_key, destroy_after)
            SELECT \(key.request), \(key.realm), \(key.keySpec), \(ByteBuffer(bytes: key.sealedKey)), \(key.kekID),
                   \(key.publicKey), now() + make_interval(secs => o.retention_seconds)
            FROM keygen.orders o WHERE o.request_id = \(key.request)
            """, logger: logger)
    }

    func attachCertificate(request: UUID, realm: String, certificate: String, chain: String) async throws {
        try await connection.query(
            """
            UPDATE keygen.keys SET certificate = \(certificate), chain = \(chain)
            WHERE request_id = \(request) AND realm = \(realm) AND destroyed_at IS NULL
            """, logger: logger)
    }

    func destroyKey(request: UUID, realm: String, cause: KeyDestroyed.Cause) async throws -> Bool {
        try await connection.query(
            """
            UPDATE keygen.keys SET sealed_key = NULL, destroyed_at = now(), destroy_cause = \(cause.rawValue)
            WHERE request_id = \(request) AND realm = \(realm) AND destroyed_at IS NULL RETURNING request_id
            """, logger: logger
        ).collectAll().isEmpty == false
    }

    func lockExpiredKeys(limit: Int) async throws -> [KeyReference] {
        try await connection.query(
            """
            SELECT request_id, realm FROM keygen.keys
            WHERE destroyed_at IS NULL AND destroy_after <= now()
            ORDER BY destroy_after LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: logger
        ).decode((UUID, String).self).collectAll().map { KeyReference(request: $0.0, realm: $0.1) }
    }

    func lockKeyForDownload(request: UUID, realm: String, requester: String) async throws -> StoredKey? {
        let row = try await connection.query(
            """
            SELECT k.sealed_key, k.certificate, k.chain, k.destroyed_at, k.destroy_cause FROM keygen.keys k
            JOIN keygen.orders o ON o.request_id = k.request_id
            WHERE k.request_id = \(request) AND k.realm = \(realm) AND o.requester = \(requester) FOR UPDATE OF k
            """, logger: logger
        ).decode((ByteBuffer?, String?, String?, Date?, String?).self).collectAll().first
        return row.map {
            StoredKey(
                sealedKey: $0.0.map { Array(buffer: $0) }, certificate: $0.1, chain: $0.2, destroyedAt: $0.3,
                destroyCause: $0.4)
        }
    }

    func markDownloaded(request: UUID) async throws {
        // The sealed box is deleted with the commit.
        try await connection.query(
            """
            UPDATE keygen.keys SET sealed_key = NULL, downloaded_at = now(), destroyed_at = now(),
                destroy_cause = \(KeyDestroyed.Cause.downloaded.rawValue)
            WHERE request_id = \(request)
            """, logger: logger)
    }

    func returnDownloadAttempt(request: UUID) async throws {
        try await connection.query(
            """
            UPDATE keygen.orders SET failed_downloads = failed_downloads - 1
            WHERE request_id = \(request) AND failed_downloads > 0
            """, logger: logger)
    }
}
