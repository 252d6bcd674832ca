import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Destroys sealed keys whose retention period (from their policy) passed without a
/// download, and tells the workflow so the request shows it.
struct KeyRetentionSweeper: Service {
    let context: ServiceContext
    var interval: Duration = .seconds(5)

    func run() async throws {
        let context = self.context
        try await PeriodicTask(name: "key retention sweep", interval: interval, logger: context.logger) {
            guard context.database.isAvailable else { return }
            let destroyed = try await context.transaction { tx in
                let expired = try await tx.connection.query(
                    """
                    SELECT request_id, realm FROM keygen.keys
                    WHERE destroyed_at IS NULL AND destroy_after <= now()
                    ORDER BY destroy_after LIMIT 100 FOR UPDATE SKIP LOCKED
                    """, logger: tx.logger
                ).decode((UUID, String).self).collectAll()
                for (request, realm) in expired {
                    try await Self.destroy(
                        request: request, realm: realm, cause: .retentionExpired,
                        reason: "private key destroyed: not downloaded within its retention period", in: tx)
                    try await context.audit.append(
                        realm: realm, actor: "system:retention", action: "key.destroyed",
                        target: request.uuidString.lowercased(), details: "not downloaded within its retention period", in: tx)
                }
                return expired.count
            }
            if destroyed > 0 {
                context.logger.notice("destroyed keys past their retention", metadata: ["count": "\(destroyed)"])
            }
        }.run()
    }

    /// Destroys one key (if it still exists) and publishes `clm.key.destroyed.v1`, in `tx`.
    static func destroy(
        request: UUID, realm: String, cause: KeyDestroyed.Cause, reason: String, in tx: EventTransaction
    ) async throws {
        let rows = try await tx.connection.query(
            """
            UPDATE keygen.keys SET sealed_key = NULL, destroyed_at = now(), destroy_cause = \(cause.rawValue)
            WHERE request_id = \(request) AND realm = \(realm) AND destroyed_at IS NULL RETURNING request_id
            """, logger: tx.logger
        ).collectAll()
        guard !rows.isEmpty else { return }
        try await tx.publish(
            tx.outbox.event(
                .keyDestroyed, subject: request.uuidString.lowercased(), realm: realm,
                data: KeyDestroyed(request: request, realm: realm, cause: cause, reason: reason)))
    }
}
