import CLMContracts
import CLMServiceKit
import Foundation
import Logging

/// The gateway's tables as the use cases see them. `PostgresCAGatewayStore` is the real one;
/// unit tests use a fake.
protocol CAGatewayStore: Sendable {
    /// Runs `body` in one transaction; what it publishes and audits commits with it.
    func transaction<T: Sendable>(
        logger: Logger, _ body: (any CAGatewayTransaction) async throws -> T
    ) async throws -> T
    /// Why each CA out of service is, by name (CAs in service are absent).
    func suspensions(logger: Logger) async throws -> [String: String]
    /// The realm's certificates, newest first.
    func certificates(realm: String, limit: Int, logger: Logger) async throws -> [CertificateSummary]
}

/// One transaction over the gateway's orders, CAs and certificates, with the events and
/// audit records it causes.
protocol CAGatewayTransaction: TransactionEffects {
    /// Remembers a submission as a `waiting` order; a second one for the request is ignored.
    func recordOrder(_ submitted: RequestSubmitted) async throws
    /// The request's order, locked to the end of the transaction.
    func lockOrder(request: UUID, realm: String) async throws -> CAOrder?
    /// Retrying orders whose next attempt is due, oldest first, locked; orders another
    /// instance holds are skipped.
    func lockDueOrders(limit: Int) async throws -> [CAOrder]
    /// Stores `change` of `order` (checked against the transition table by the caller).
    func save(_ change: OrderChange, of order: CAOrder) async throws
    /// Makes every retrying order for `ca` due now.
    func resumeRetries(ca: String) async throws
    /// Why `ca` is out of service, or nil when it issues.
    func suspendedReason(ca: String) async throws -> String?
    /// Takes `ca` out of service for `reason`, or back into it (nil).
    func setSuspended(ca: String, reason: String?) async throws
    func recordCertificate(_ certificate: IssuedCertificate) async throws
}
