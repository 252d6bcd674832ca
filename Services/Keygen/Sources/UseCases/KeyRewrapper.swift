import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// After a key-encryption-key rotation, re-wraps every stored key's data key under the current
/// KEK in small batches while the service keeps serving (the key ring still opens the old
/// ones). Once nothing is left under a retired KEK, that KEK can be removed from configuration.
struct KeyRewrapper: Service {
    let context: ServiceContext
    let keys: KeyRing
    var batchSize = 100
    var client: PostgresClient { context.client }
    var logger: Logger { context.logger }

    func run() async throws {
        var total = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let count = try await rewrapBatch()
                total += count
                if count == 0 { break }
            } catch {
                logger.warning("key re-wrap failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        if total > 0 || !keys.retiredIDs.isEmpty {
            logger.notice(
                "stored keys are under the current key-encryption key",
                metadata: ["rewrapped": "\(total)", "kek": "\(keys.current.id)", "retired": "\(keys.retiredIDs)"])
        }
        if total > 0 {
            let audit = context.audit
            let details = "\(total) data keys re-wrapped under KEK \(keys.current.id); retired: \(keys.retiredIDs.sorted().joined(separator: ", "))"
            _ = try? await context.transaction { tx in
                try await audit.append(
                    realm: AuditRecord.platformRealm, actor: "keygen", action: "kek.rotated", target: "kek/\(keys.current.id)",
                    details: details, in: tx)
            }
        }
        try? await gracefulShutdown()
    }

    /// Re-wraps up to `batchSize` keys in one transaction; returns how many.
    func rewrapBatch() async throws -> Int {
        let current = keys.current.id
        return try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT request_id, sealed_key FROM keygen.keys
                WHERE sealed_key IS NOT NULL AND kek_id <> \(current)
                ORDER BY request_id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode((UUID, ByteBuffer).self).collectAll()
            for (id, bytes) in rows {
                let rewrapped = try keys.rewrap(try SealedKey(combinedBytes: Array(buffer: bytes)))
                try await connection.query(
                    """
                    UPDATE keygen.keys SET sealed_key = \(ByteBuffer(bytes: rewrapped.combinedBytes)), kek_id = \(current)
                    WHERE request_id = \(id)
                    """, logger: logger)
            }
            return rows.count
        }
    }
}

import Foundation
