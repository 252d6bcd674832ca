import CLMContracts
import CLMCrypto
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
    private(set) var certificateLimits: [Int] = []

    var rows: [UUID: Row] { lock.withLock { _rows } }
    var suspended: [String: String] { lock.withLock { _suspended } }
    var certificates: [IssuedCertificate] { lock.withLock { _certificates } }
    var published: [Published] { lock.withLock { _published } }
    /// `action target details` per record.
    var audits: [String] { lock.withLock { _audits } }
    var resumed: [String] { lock.withLock { _resumed } }

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

    func certificates(realm: String, limit: Int, logger: Logger) async throws -> [CertificateSummary] {
        lock.withLock {
            certificateLimits.append(limit)
            return _certificates.filter { $0.realm == realm }.prefix(limit).map {
                CertificateSummary(
                    ca: $0.ca, serialNumber: $0.serialNumber, request: $0.request, subject: $0.subject,
                    notBefore: $0.notBefore, notAfter: $0.notAfter, issuedAt: Date())
            }
        }
    }

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

    func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws {
        store.append(.init(type: P.eventType, about: id, payload: payload))
    }

    func audit(realm: String, actor: String, action: String, target: String, details: String) async throws {
        store.append(audit: "\(action) \(target) \(details)")
    }
}
