import Logging

/// Attempts again the issuance of orders whose CA was out of service and whose backoff
/// step passed (run periodically). Several instances share the work: each takes orders the
/// others do not hold.
struct RetryDueIssuance: Sendable {
    let issuer: IssueCertificate
    let store: any CAGatewayStore
    /// Orders per round; the rest wait for the next tick.
    var batch = 20

    func callAsFunction(logger: Logger) async throws {
        try await store.transaction(logger: logger) { tx in
            for order in try await tx.lockDueOrders(limit: batch) {
                try await issuer.attempt(order.submitted, of: order, in: tx)
            }
        }
    }
}
