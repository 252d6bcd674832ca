import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// Builds and signs certificates for approved requests, keeps the per-realm inventory and
/// publishes the CA chain.
public struct CAGatewayModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "ca-gateway", schema: "ca_gateway", defaultPort: 8085, migrations: CAGatewayMigrations.all,
        consumes: [.requestEvents], needsKeyEncryptionKey: true)

    let context: ServiceContext
    let settings: CAGatewaySettings
    /// In configuration order; the first is listed first.
    let authorities: [CertificateAuthority]
    let issuer: Issuer

    public static func make(context: ServiceContext) async throws -> CAGatewayModule {
        let settings = try CAGatewaySettings.fromEnvironment(context.configuration.environment)
        let keys = try context.keyRing()
        var authorities: [CertificateAuthority] = []
        for (name, spec) in settings.authorities {
            let authority = try await CertificateAuthority.loadOrCreate(
                name: name, issuingSpec: spec, keys: keys, client: context.client, logger: context.logger)
            context.logger.info("CA ready", metadata: ["ca": "\(name)", "issuing.subject": "\(authority.issuing.subject)"])
            authorities.append(authority)
        }
        let issuer = Issuer(
            authorities: Dictionary(uniqueKeysWithValues: authorities.map { ($0.name, $0) }), settings: settings,
            audit: context.audit)
        return CAGatewayModule(context: context, settings: settings, authorities: authorities, issuer: issuer)
    }

    public var eventHandler: (any EventHandler)? { CAGatewayEventHandler(issuer: issuer) }

    public var services: [any Service] {
        [
            PeriodicTask(name: "issuance retry", interval: .milliseconds(500), logger: context.logger) {
                [context, issuer] in try await Issuer.retryDue(context: context, issuer: issuer)
            }
        ]
    }

    public struct AuthorityView: Codable, Sendable {
        public var name: String
        public var subject: String
        /// The issuing key, e.g. `ec:P-256`.
        public var key: String
        public var notAfter: Date
        public var rootFingerprintSHA256: String
        /// Whether the CA issues now; when not, why (requests wait and retry).
        public var available: Bool
        public var unavailableReason: String?
    }

    struct AvailabilityBody: Decodable {
        var available: Bool
        var reason: String?
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

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("v1/cas") { _, ctx in
            _ = try ctx.requirePrincipal()
            let suspended = try await suspensions(ctx)
            return JSONResponse(authorities.map { view($0, suspended: suspended) })
        }
        router.get("v1/cas/:ca/chain") { _, ctx in
            let authority = try requireAuthority(ctx)
            return Response(
                status: .ok, headers: [.contentType: "application/pem-certificate-chain"],
                body: .init(byteBuffer: ByteBuffer(string: authority.chainPEM)))
        }
        // Operators take a CA out of service (HSM maintenance, key ceremony, an incident);
        // requests then wait and retry with backoff instead of failing at once.
        router.put("v1/cas/:ca/availability") { request, ctx in
            let principal = try ctx.authorizePlatform(.operateCA)
            let authority = try requireAuthority(ctx)
            let body = try await request.decodeJSON(AvailabilityBody.self, limit: 4096)
            let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
            if !body.available && (reason ?? "").isEmpty {
                throw APIError.badRequest("missing-field", "reason: say why the CA is taken out of service")
            }
            if let reason, reason.count > 500 { throw APIError.badRequest("invalid-field", "reason: at most 500 characters") }
            let stored = body.available ? nil : reason
            try await context.transaction(logger: ctx.logger) { tx in
                try await tx.connection.query(
                    "UPDATE ca_gateway.authorities SET suspended_reason = \(stored) WHERE name = \(authority.name)",
                    logger: tx.logger)
                try await context.audit.append(
                    realm: AuditRecord.platformRealm, actor: principal.subject,
                    action: body.available ? "ca.resumed" : "ca.suspended", target: "ca/\(authority.name)",
                    details: stored ?? "", in: tx)
                if body.available {
                    // Back in service: what waits for this CA goes now, not at its next backoff step.
                    try await tx.connection.query(
                        """
                        UPDATE ca_gateway.orders SET next_attempt_at = now()
                        WHERE state = 'retrying' AND submitted->>'ca' = \(authority.name)
                        """, logger: tx.logger)
                }
            }
            ctx.logger.notice(
                "CA availability changed",
                metadata: ["ca": "\(authority.name)", "available": "\(body.available)", "by": "\(principal.subject)"])
            return JSONResponse(view(authority, suspended: [authority.name: stored].compactMapValues { $0 }))
        }
        router.get("v1/realms/:realm/certificates") { request, ctx in
            let realm = try ctx.authorize(.readCertificates).realm
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

    private func requireAuthority(_ ctx: ServiceRequestContext) throws -> CertificateAuthority {
        _ = try ctx.requirePrincipal()
        let name = try ctx.parameters.require("ca")
        guard let authority = authorities.first(where: { $0.name == name }) else { throw APIError.notFound("CA '\(name)'") }
        return authority
    }

    private func suspensions(_ ctx: ServiceRequestContext) async throws -> [String: String] {
        let rows = try await context.read(logger: ctx.logger) { connection in
            try await connection.query(
                "SELECT name, suspended_reason FROM ca_gateway.authorities WHERE suspended_reason IS NOT NULL",
                logger: ctx.logger
            ).decode((String, String).self).collectAll()
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    private func view(_ authority: CertificateAuthority, suspended: [String: String]) -> AuthorityView {
        AuthorityView(
            name: authority.name, subject: authority.issuing.subject, key: authority.issuingKeySpec.description,
            notAfter: authority.issuing.notAfter, rootFingerprintSHA256: authority.root.fingerprintSHA256Hex,
            available: suspended[authority.name] == nil, unavailableReason: suspended[authority.name])
    }
}

/// Remembers submissions and issues once their approval arrives. The certificates table's
/// unique request id makes a replayed approval a no-op: never two certificates per request.
struct CAGatewayEventHandler: EventHandler {
    let issuer: Issuer

    var eventTypes: Set<String> {
        [EventType.requestSubmitted.rawValue, EventType.requestApproved.rawValue, EventType.keyGenerated.rawValue]
    }

    /// An approval or generated key seen again gets the issuance (or the wait) published again.
    var republishOnRedelivery: Set<String> { [EventType.requestApproved.rawValue, EventType.keyGenerated.rawValue] }

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
        // A replayed approval or key: the order is already issued, retrying or failed.
        guard row.1 == "waiting" || row.1 == "awaiting-key" else {
            tx.logger.info("order already \(row.1); replay ignored")
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
        try await issuer.attempt(order, attempts: 0, traceparent: event.header.traceparent, tx: tx)
    }
}
