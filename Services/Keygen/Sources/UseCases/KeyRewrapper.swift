import CLMContracts
import CLMCrypto
import Logging
import ServiceLifecycle

/// After a key-encryption-key rotation, re-wraps every stored key's data key under the current
/// KEK in small batches while the service keeps serving (the key ring still opens the old
/// ones). Once nothing is left under a retired KEK, that KEK can be removed from configuration.
struct KeyRewrapper: Service {
    let store: KeygenStore
    let keys: KeyRing
    let logger: Logger
    var batchSize = 100

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
            let retired = keys.retiredIDs.sorted().joined(separator: ", ")
            let details = "\(total) data keys re-wrapped under KEK \(keys.current.id); retired: \(retired)"
            _ = try? await store.transaction(logger: logger) { tx in
                try await tx.audit(
                    realm: AuditRecord.platformRealm, actor: "keygen", action: "kek.rotated",
                    target: "kek/\(keys.current.id)", details: details)
            }
        }
        try? await gracefulShutdown()
    }

    /// Re-wraps up to `batchSize` keys in one transaction; returns how many.
    func rewrapBatch() async throws -> Int {
        try await store.rewrapBatch(current: keys.current.id, limit: batchSize, logger: logger) { sealed in
            try keys.rewrap(sealed)
        }
    }
}
