import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// Builds and signs certificates for approved requests, keeps the per-realm inventory and
/// publishes the CA chain.
public struct CAGatewayModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "ca-gateway", schema: "ca_gateway", defaultPort: 8085, migrations: CAGatewayMigrations.all,
        consumes: [.requestEvents], needsKeyEncryptionKey: true)

    let context: ServiceContext
    let authority: CertificateAuthority

    public static func make(context: ServiceContext) async throws -> CAGatewayModule {
        let keys = try context.keyRing()
        let name = ProcessInfo.processInfo.environment["CLM_CA_NAME"] ?? "default"
        let authority = try await CertificateAuthority.loadOrCreate(
            name: name, keys: keys, client: context.client, logger: context.logger)
        context.logger.info(
            "CA ready", metadata: ["ca": "\(name)", "issuing.subject": "\(authority.issuing.subject)"])
        return CAGatewayModule(context: context, authority: authority)
    }

    public var eventHandler: (any EventHandler)? { CAGatewayEventHandler(authority: authority) }

    public struct AuthorityView: Codable, Sendable {
        public var name: String
        public var subject: String
        public var notAfter: Date
        public var rootFingerprintSHA256: String
    }

    public struct CertificateView: Codable, Sendable {
        public var ca: String
        public var serialNumber: String
        public var request: UUID
        public var subject: String
        public var notBefore: Date
        public var notAfter: Date
        public var issuedAt: Date
    }

    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("v1/cas") { _, _ in
            JSONResponse([
                AuthorityView(
                    name: authority.name, subject: authority.issuing.subject, notAfter: authority.issuing.notAfter,
                    rootFingerprintSHA256: authority.root.fingerprintSHA256Hex)
            ])
        }
        router.get("v1/cas/:ca/chain") { _, ctx in
            let name = try ctx.parameters.require("ca")
            guard name == authority.name else { throw APIError.notFound("CA '\(name)'") }
            return Response(
                status: .ok, headers: [.contentType: "application/pem-certificate-chain"],
                body: .init(byteBuffer: ByteBuffer(string: authority.chainPEM)))
        }
        router.get("v1/realms/:realm/certificates") { request, ctx in
            let realm = try ctx.realm()
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            let rows = try await context.read { connection in
                try await connection.query(
                    """
                    SELECT ca, serial_number, request_id, subject, not_before, not_after, issued_at
                    FROM ca_gateway.certificates WHERE realm = \(realm) ORDER BY issued_at DESC LIMIT \(limit)
                    """, logger: ctx.logger
                ).decode((String, String, UUID, String, Date, Date, Date).self).collectAll()
            }
            return JSONResponse(
                rows.map {
                    CertificateView(
                        ca: $0.0, serialNumber: $0.1, request: $0.2, subject: $0.3, notBefore: $0.4, notAfter: $0.5,
                        issuedAt: $0.6)
                })
        }
    }
}

/// Remembers submissions and issues once their approval arrives. The certificates table's
/// unique request id makes a replayed approval a no-op: never two certificates per request.
struct CAGatewayEventHandler: EventHandler {
    let authority: CertificateAuthority

    var eventTypes: Set<String> {
        [EventType.requestSubmitted.rawValue, EventType.requestApproved.rawValue, EventType.keyGenerated.rawValue]
    }

    func handle(_ event: IncomingEvent, in tx: EventTransaction) async throws {
        switch EventType(rawValue: event.header.type) {
        case .requestSubmitted:
            let submitted = try event.decode(RequestSubmitted.self).data
            let body = try JSONColumn.encode(submitted)
            try await tx.connection.query(
                """
                INSERT INTO ca_gateway.orders (request_id, realm, submitted) VALUES (\(submitted.request), \(submitted.realm), \(body)::jsonb)
                ON CONFLICT (request_id) DO NOTHING
                """, logger: tx.logger)
        case .requestApproved:
            let approved = try event.decode(RequestApproved.self).data
            try await issue(request: approved.request, realm: approved.realm, generatedKey: nil, event: event, tx: tx)
        case .keyGenerated:
            let generated = try event.decode(KeyGenerated.self).data
            try await issue(request: generated.request, realm: generated.realm, generatedKey: generated, event: event, tx: tx)
        default:
            return
        }
    }

    /// Issues for an approved request. A server-side request is approved first and gets its
    /// key afterwards: the approval marks it `awaiting-key`, and `clm.key.generated.v1` issues.
    private func issue(
        request: UUID, realm: String, generatedKey: KeyGenerated?, event: IncomingEvent, tx: EventTransaction
    ) async throws {
        guard
            let row = try await tx.connection.query(
                """
                SELECT submitted::text, state FROM ca_gateway.orders
                WHERE request_id = \(request) AND realm = \(realm) FOR UPDATE
                """, logger: tx.logger
            ).decode((String, String).self).collectAll().first
        else {
            throw EventRejection(reason: "\(event.header.type) for request \(request) without a known submission")
        }
        let already = try await tx.connection.query(
            "SELECT 1 FROM ca_gateway.certificates WHERE request_id = \(request)", logger: tx.logger
        ).collectAll()
        guard already.isEmpty else {
            tx.logger.info("request already has a certificate; replay ignored")
            return
        }
        var order = try JSONColumn.decode(RequestSubmitted.self, from: row.0)
        if order.keySource == .server {
            guard let generatedKey else {
                try await tx.connection.query(
                    "UPDATE ca_gateway.orders SET state = 'awaiting-key' WHERE request_id = \(request)", logger: tx.logger)
                return
            }
            guard row.1 == "awaiting-key" else {
                throw EventRejection(reason: "key for request \(request) arrived before its approval")
            }
            guard generatedKey.keySpec == order.keySpec else {
                throw EventRejection(
                    reason: "generated \(generatedKey.keySpec) but request \(request) asked for \(order.keySpec ?? "none")")
            }
            order.publicKey = generatedKey.publicKey
        } else if generatedKey != nil {
            throw EventRejection(reason: "generated key for CSR request \(request)")
        }
        guard order.ca == authority.name else {
            try await fail(order, code: "unknown-ca", reason: "CA '\(order.ca)' is not served by this gateway", event: event, tx: tx)
            return
        }
        let certificate: Certificate
        do {
            certificate = try authority.issue(order)
        } catch let error as CryptoError {
            try await fail(order, code: "issuance-failed", reason: error.reason, event: event, tx: tx)
            return
        }
        try await tx.connection.query(
            """
            INSERT INTO ca_gateway.certificates (ca, serial_number, request_id, realm, subject, not_before, not_after, certificate)
            VALUES (\(authority.name), \(certificate.serialNumberHex), \(order.request), \(order.realm), \(certificate.subject),
                    \(certificate.notBefore), \(certificate.notAfter), \(certificate.pem))
            """, logger: tx.logger)
        try await tx.connection.query(
            "UPDATE ca_gateway.orders SET state = 'issued' WHERE request_id = \(order.request)", logger: tx.logger)
        let issued = CertificateIssued(
            request: order.request, realm: order.realm, ca: authority.name, serialNumber: certificate.serialNumberHex,
            certificate: certificate.pem, chain: authority.chainPEM, notBefore: certificate.notBefore,
            notAfter: certificate.notAfter)
        try await tx.publish(
            tx.outbox.event(
                .certificateIssued, subject: event.header.subject, realm: order.realm, data: issued,
                traceparent: event.header.traceparent))
        tx.logger.info("certificate issued", metadata: ["serial": "\(certificate.serialNumberHex)"])
    }

    private func fail(_ order: RequestSubmitted, code: String, reason: String, event: IncomingEvent, tx: EventTransaction)
        async throws
    {
        try await tx.connection.query(
            "UPDATE ca_gateway.orders SET state = 'failed', reason = \(reason) WHERE request_id = \(order.request)",
            logger: tx.logger)
        let failed = RequestFailed(
            request: order.request, realm: order.realm, code: code, reason: reason, failedBy: "ca:\(authority.name)")
        try await tx.publish(
            tx.outbox.event(.requestFailed, subject: event.header.subject, realm: order.realm, data: failed))
        tx.logger.warning("issuance failed", metadata: ["code": "\(code)", "reason": "\(reason)"])
    }
}
