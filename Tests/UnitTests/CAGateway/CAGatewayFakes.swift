import CLMContracts
import CLMCrypto
import CLMIdentity
import Foundation
import Logging

@testable import CAGateway

/// Orders, CAs and keys for the gateway's tests; each test changes only what it judges.
enum CAGatewayFixtures {
    static let keys: KeyRing = {
        do {
            return try KeyRing(current: KeyEncryptionKey(id: "test-1", keyBytes: SecureRandom.bytes(32)))
        } catch { fatalError("test KEK: \(error)") }
    }()

    /// One EC CA named `default`, created once for all tests.
    static let authority: CertificateAuthority = {
        do {
            return try CertificateAuthority.create(name: "default", issuingSpec: .ec(curve: .p256), keys: keys).0
        } catch { fatalError("test CA: \(error)") }
    }()

    /// A requester's public key, as a CSR order carries it (base64 SPKI).
    static let publicKey: String = {
        do {
            return Data(try PrivateKey.generate(.ec(curve: .p256)).publicKey.spkiDER).base64EncodedString()
        } catch { fatalError("test key: \(error)") }
    }()

    static func submitted(
        keySource: KeySource, ca: String = "default", request: UUID = UUID(), realm: String = "acme"
    ) -> RequestSubmitted {
        RequestSubmitted(
            request: request, realm: realm, requester: "alice@acme.example", policy: "web-server", policyVersion: 1,
            ca: ca, approval: .init(mode: .automatic),
            subject: [.init(type: "CN", value: "www.acme.example"), .init(type: "O", value: "ACME Corp")],
            alternativeNames: [.init(kind: .dns, value: "www.acme.example")], keySource: keySource,
            publicKey: keySource == .csr ? publicKey : nil, keySpec: "ec:P-256", validityDays: 90,
            keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"], submittedAt: Date())
    }

    static func order(state: CAOrderState, keySource: KeySource, attempts: Int = 0) -> CAOrder {
        CAOrder(submitted: submitted(keySource: keySource), state: state, attempts: attempts)
    }

    static let authenticator = BearerAuthenticator(
        verifier: TokenVerifier(issuer: "clm-dev", audience: "clm"),
        keys: KeySetCache(url: URL(fileURLWithPath: "/nonexistent")))

    /// Revocations against `authority`, CRLs valid for a day and re-signed an hour ahead.
    static let revoke = RevokeCertificate(
        authorities: AuthorityDirectory([authority]),
        signer: RevocationListSigner(schedule: .init(validity: 86400, resignBefore: 3600)))

    static func issuer(limit: Int = 3) -> IssueCertificate {
        IssueCertificate(
            authorities: AuthorityDirectory([authority]),
            retry: IssuanceRetryPolicy(limit: limit, initial: .milliseconds(10), maximum: .seconds(1)))
    }
}

/// The gateway's tables in memory. A transaction applies at once (the use cases under test
/// never roll back half-way in these tests).
final class FakeCAGatewayStore: CAGatewayStore, @unchecked Sendable {
    struct Row {
        var order: CAOrder
        var reason: String?
        var lastError: String?
        var nextAttemptAt: Date?
    }

    struct Published {
        var type: EventType
        var about: UUID
        var payload: any EventPayload
    }

    private let lock = NSLock()
    private var _rows: [UUID: Row] = [:]
    private var _suspended: [String: String] = [:]
    private var _certificates: [IssuedCertificate] = []
    private var _published: [Published] = []
    private var _audits: [String] = []
    private var _resumed: [String] = []
    private var _revocations: [String: RevocationView] = [:]
    private var _lists: [String: RevocationList] = [:]
    private(set) var certificateLimits: [Int] = []

    var rows: [UUID: Row] { lock.withLock { _rows } }
    var suspended: [String: String] { lock.withLock { _suspended } }
    var certificates: [IssuedCertificate] { lock.withLock { _certificates } }
    var published: [Published] { lock.withLock { _published } }
    /// `action target details` per record.
    var audits: [String] { lock.withLock { _audits } }
    var resumed: [String] { lock.withLock { _resumed } }
    var revocations: [String: RevocationView] { lock.withLock { _revocations } }
    /// Each CA's current CRL.
    var lists: [String: RevocationList] { lock.withLock { _lists } }

    func state(of request: UUID) -> CAOrderState? { rows[request]?.order.state }

    /// Makes every retrying order due now, as time passing would.
    func makeRetriesDue() {
        lock.withLock {
            for (id, row) in _rows where row.order.state == .retrying { _rows[id]?.nextAttemptAt = .distantPast }
        }
    }

    func transaction<T: Sendable>(logger: Logger, _ body: (any CAGatewayTransaction) async throws -> T)
        async throws -> T
    {
        try await body(FakeCAGatewayTransaction(store: self))
    }

    func suspensions(logger: Logger) async throws -> [String: String] { suspended }

    /// Only the realm, state and serial filters, in issuance order: the SQL's own search is
    /// tested against PostgreSQL.
    func certificates(realm: String, query: CertificateQuery, now: Date, logger: Logger) async throws
        -> [CertificateView]
    {
        lock.withLock {
            certificateLimits.append(query.limit)
            return _certificates.filter { $0.realm == realm }.map { view($0, now: now) }
                .filter { query.state == nil || $0.state == query.state }
                .filter { query.serialNumber == nil || $0.serialNumber == query.serialNumber }
                .prefix(query.limit + 1).map { $0 }
        }
    }

    func certificate(realm: String, serialNumber: String, now: Date, logger: Logger) async throws
        -> (view: CertificateView, pem: String)?
    {
        lock.withLock {
            _certificates.first { $0.realm == realm && $0.serialNumber == serialNumber }.map {
                (view($0, now: now), $0.pem)
            }
        }
    }

    func revocationStatus(ca: String, serials: [String], logger: Logger) async throws
        -> [String: (time: Date, reason: RevocationReasonName)?]
    {
        lock.withLock {
            var statuses: [String: (time: Date, reason: RevocationReasonName)?] = [:]
            for certificate in _certificates where certificate.ca == ca && serials.contains(certificate.serialNumber) {
                // `.some(nil)`: assigning a plain nil would remove the key, making the serial unknown.
                statuses[certificate.serialNumber] = .some(
                    _revocations[certificate.serialNumber].map { ($0.revokedAt, $0.reason) })
            }
            return statuses
        }
    }

    func revocationList(ca: String, logger: Logger) async throws -> [UInt8]? { lock.withLock { _lists[ca]?.der } }

    private func view(_ certificate: IssuedCertificate, now: Date) -> CertificateView {
        let revocation = _revocations[certificate.serialNumber]
        return CertificateView(
            ca: certificate.ca, serialNumber: certificate.serialNumber, request: certificate.request,
            subject: certificate.subject, alternativeNames: certificate.alternativeNames,
            notBefore: certificate.notBefore, notAfter: certificate.notAfter, issuedAt: certificate.notBefore,
            state: revocation != nil ? .revoked : certificate.notAfter > now ? .valid : .expired,
            requester: certificate.requester, policy: certificate.policy, policyVersion: certificate.policyVersion,
            entities: certificate.entities, revocation: revocation)
    }

    fileprivate func revocable(_ locator: CertificateLocator, realm: String) -> RevocableCertificate? {
        lock.withLock {
            let found = _certificates.first {
                guard $0.realm == realm else { return false }
                switch locator {
                case .serial(let serial): return $0.serialNumber == serial
                case .request(let request): return $0.request == request
                }
            }
            return found.map {
                RevocableCertificate(
                    ca: $0.ca, serialNumber: $0.serialNumber, request: $0.request, realm: $0.realm,
                    requester: $0.requester, notAfter: $0.notAfter, revocation: _revocations[$0.serialNumber])
            }
        }
    }

    fileprivate func insert(_ revocation: RevocationView) throws {
        try lock.withLock {
            guard _revocations[revocation.serialNumber] == nil else {
                throw Problem.conflict("duplicate", "revocations_pkey")
            }
            _revocations[revocation.serialNumber] = revocation
        }
    }

    fileprivate func entries(ca: String, expiringAfter oldest: Date) throws -> [RevokedCertificate] {
        try lock.withLock {
            try _certificates.filter { $0.ca == ca && $0.notAfter > oldest }.compactMap { certificate in
                try _revocations[certificate.serialNumber].map {
                    RevokedCertificate(
                        serialNumber: try SerialNumber(hex: $0.serialNumber), revocationDate: $0.revokedAt,
                        reason: $0.reason.crlReason)
                }
            }
        }
    }

    fileprivate func list(ca: String) -> RevocationList? { lock.withLock { _lists[ca] } }
    fileprivate func save(_ list: RevocationList, ca: String) { lock.withLock { _lists[ca] = list } }

    fileprivate func mutate<T>(_ body: (inout [UUID: Row], inout [String: String]) throws -> T) rethrows -> T {
        try lock.withLock { try body(&_rows, &_suspended) }
    }

    fileprivate func record(_ certificate: IssuedCertificate) throws {
        try lock.withLock {
            guard !_certificates.contains(where: { $0.request == certificate.request }) else {
                throw Problem.conflict("duplicate", "certificates_request_id_key")
            }
            _certificates.append(certificate)
        }
    }

    fileprivate func append(_ published: Published) { lock.withLock { _published.append(published) } }
    fileprivate func append(audit: String) { lock.withLock { _audits.append(audit) } }
    fileprivate func append(resumed ca: String) { lock.withLock { _resumed.append(ca) } }

    /// The expiry notices recorded (`CAGatewayExpiryFakes.swift`).
    let expiryNotices = FakeExpiryNotices()
}

struct FakeCAGatewayTransaction: CAGatewayTransaction {
    let store: FakeCAGatewayStore
    var logger: Logger { Logger(label: "test") }

    func recordOrder(_ submitted: RequestSubmitted) async throws {
        store.mutate { rows, _ in
            if rows[submitted.request] == nil {
                rows[submitted.request] = .init(order: CAOrder(submitted: submitted, state: .waiting, attempts: 0))
            }
        }
    }

    func lockOrder(request: UUID, realm: String) async throws -> CAOrder? {
        store.mutate { rows, _ in rows[request].flatMap { $0.order.realm == realm ? $0.order : nil } }
    }

    func lockDueOrders(limit: Int) async throws -> [CAOrder] {
        store.mutate { rows, _ in
            rows.values.filter { $0.order.state == .retrying && ($0.nextAttemptAt ?? .distantFuture) <= Date() }
                .sorted { $0.nextAttemptAt! < $1.nextAttemptAt! }.prefix(limit).map(\.order)
        }
    }

    func save(_ change: OrderChange, of order: CAOrder) async throws {
        try store.mutate { rows, _ in
            guard var row = rows[order.request], row.order.state == order.state else {
                throw Problem.internal("order \(order.request) is no longer \(order.state.rawValue)")
            }
            row.order.state = change.state
            switch change {
            case .awaitKey: break
            case .retry(let attempt, let reason, let retryAt, let submitted):
                row.order.attempts = attempt
                row.lastError = reason
                row.nextAttemptAt = retryAt
                row.order.submitted = submitted
            case .issued(let attempts): row.order.attempts = attempts
            case .failed(let reason): row.reason = reason
            }
            rows[order.request] = row
        }
    }

    func resumeRetries(ca: String) async throws {
        store.mutate { rows, _ in
            for (id, row) in rows where row.order.state == .retrying && row.order.submitted.ca == ca {
                rows[id]?.nextAttemptAt = Date()
            }
        }
        store.append(resumed: ca)
    }

    func suspendedReason(ca: String) async throws -> String? { store.mutate { _, suspended in suspended[ca] } }

    func setSuspended(ca: String, reason: String?) async throws {
        store.mutate { _, suspended in suspended[ca] = reason }
    }

    func recordCertificate(_ certificate: IssuedCertificate) async throws { try store.record(certificate) }

    func lockCertificate(_ locator: CertificateLocator, realm: String) async throws -> RevocableCertificate? {
        store.revocable(locator, realm: realm)
    }

    func insertRevocation(_ revocation: RevocationView, realm: String) async throws { try store.insert(revocation) }

    func lockRevocationList(ca: String) async throws -> RevocationListState? {
        store.list(ca: ca).map {
            RevocationListState(number: $0.crlNumber ?? 0, nextUpdate: $0.nextUpdate ?? .distantPast)
        }
    }

    func revokedEntries(ca: String, expiringAfter oldest: Date) async throws -> [RevokedCertificate] {
        try store.entries(ca: ca, expiringAfter: oldest)
    }

    func saveRevocationList(ca: String, _ list: RevocationList) async throws { store.save(list, ca: ca) }

    func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws {
        store.append(.init(type: P.eventType, about: id, payload: payload))
    }

    func audit(realm: String, actor: String, action: String, target: String, details: String) async throws {
        store.append(audit: "\(action) \(target) \(details)")
    }
}
