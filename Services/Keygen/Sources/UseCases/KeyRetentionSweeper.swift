import CLMContracts
import CLMServiceKit
import Foundation
import Logging
import ServiceLifecycle

/// Destroys sealed keys whose retention period (from their policy) passed without a
/// download, and tells the workflow so the request shows it.
struct KeyRetentionSweeper: Service {
    let store: KeygenStore
    let logger: Logger
    var interval: Duration = .seconds(5)
    var batchSize = 100

    func run() async throws {
        try await PeriodicTask(name: "key retention sweep", interval: interval, logger: logger) {
            guard store.isAvailable else { return }
            let destroyed = try await sweep()
            if destroyed > 0 {
                logger.notice("destroyed keys past their retention", metadata: ["count": "\(destroyed)"])
            }
        }.run()
    }

    /// Destroys one batch of expired keys in one transaction; returns how many.
    func sweep() async throws -> Int {
        try await Self.sweep(store: store, limit: batchSize, logger: logger)
    }

    static func sweep(store: any KeygenStoring, limit: Int, logger: Logger) async throws -> Int {
        try await store.transaction(logger: logger) { tx in
            let expired = try await tx.lockExpiredKeys(limit: limit)
            for key in expired {
                try await DestroyKey().execute(
                    request: key.request, realm: key.realm, cause: .retentionExpired,
                    reason: "private key destroyed: not downloaded within its retention period", in: tx)
                try await tx.audit(
                    realm: key.realm, actor: "system:retention", action: "key.destroyed",
                    target: key.request.lowercasedString, details: "not downloaded within its retention period")
            }
            return expired.count
        }
    }
}
