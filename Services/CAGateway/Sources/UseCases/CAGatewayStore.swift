import CLMContracts
import CLMCrypto
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
    /// The realm's certificates that match `query`, in its order, at most `query.limit + 1`
    /// (one more tells that another page follows). `now` decides what is expired.
    func certificates(realm: String, query: CertificateQuery, now: Date, logger: Logger) async throws
        -> [CertificateView]
    /// One certificate of the realm, with its PEM.
    func certificate(realm: String, serialNumber: String, now: Date, logger: Logger) async throws
        -> (view: CertificateView, pem: String)?
    /// For each of `serials` the CA issued: its revocation, or nil while it is not revoked.
    /// Serials the CA never issued are absent.
    func revocationStatus(ca: String, serials: [String], logger: Logger) async throws
        -> [String: (time: Date, reason: RevocationReasonName)?]
    /// The CA's current CRL (DER), as last signed.
    func revocationList(ca: String, logger: Logger) async throws -> [UInt8]?
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
    /// The certificate `locator` names in `realm`, with its revocation if any, locked to the end
    /// of the transaction (two revocations of one certificate queue up).
    func lockCertificate(_ locator: CertificateLocator, realm: String) async throws -> RevocableCertificate?
    func insertRevocation(_ revocation: RevocationView, realm: String) async throws
    /// Takes the CA's CRL lock (to the end of the transaction) and returns its current CRL's state.
    func lockRevocationList(ca: String) async throws -> RevocationListState?
    /// The CA's revocations of certificates that expire after `oldest`.
    func revokedEntries(ca: String, expiringAfter oldest: Date) async throws -> [RevokedCertificate]
    /// Replaces the CA's current CRL (under its lock).
    func saveRevocationList(ca: String, _ list: RevocationList) async throws

    /// Up to `limit` certificates, not revoked, with an expiry notice due at `now` that is not
    /// recorded yet, soonest `notAfter` first, locked; those another sweep holds are skipped.
    func lockDueExpiries(now: Date, limit: Int) async throws -> [ExpiringCertificate]
    /// Records the notices (thresholds in seconds, `0` for the expiry) of a certificate as
    /// done; returns those this call recorded (a notice recorded before is not returned).
    func recordExpiryNotices(ca: String, serialNumber: String, notices: [Int]) async throws -> Set<Int>
}
