import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// The request API: judges a request against its policy version, records it, and follows the
/// workflow's events until the certificate can be downloaded.
public struct IntakeModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "intake", schema: "intake", defaultPort: 8082, migrations: IntakeMigrations.all,
        consumes: [.registry, .requestEvents])

    let context: ServiceContext
    let store = IntakeStore()
    /// How long a submission waits for the registry read model to catch up with an object
    /// created moments ago, before answering that it does not exist.
    let readModelGrace: Duration = .seconds(5)

    public static func make(context: ServiceContext) async throws -> IntakeModule {
        IntakeModule(context: context)
    }

    public var eventHandler: (any EventHandler)? { IntakeEventHandler(store: store) }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        let requests = router.group("v1/realms/:realm/requests")
        requests.post { request, ctx in try await submit(request, ctx) }
        requests.get { request, ctx in
            let access = try ctx.authorize(.readRequests)
            let realm = access.realm
            let requester = AccessPolicy.seesAllRequests(access.principal, realm: realm) ? nil : access.subject
            let state = try request.uri.queryParameters.get("state").map { text -> RequestState in
                guard let state = RequestState(rawValue: text) else {
                    throw APIError.badRequest(
                        "invalid-query", "state: must be one of \(RequestState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            }
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            return JSONResponse(
                try await context.read {
                    try await store.list(
                        realm: realm, state: state, requester: requester, limit: limit, on: $0, logger: ctx.logger)
                })
        }
        requests.get(":id") { _, ctx in
            let (realm, id, requester) = try requestParameters(ctx)
            guard
                let view = try await context.read({
                    try await store.view(
                        id, realm: realm, requester: requester, withHistory: true, on: $0, logger: ctx.logger)
                })
            else { throw APIError.notFound("request \(id)") }
            return JSONResponse(view)
        }
        requests.get(":id/certificate") { _, ctx in
            let (realm, id, requester) = try requestParameters(ctx)
            guard
                let found = try await context.read({
                    try await store.certificate(id, realm: realm, requester: requester, on: $0, logger: ctx.logger)
                })
            else { throw APIError.notFound("request \(id)") }
            guard found.state == .issued, let certificate = found.certificate else {
                throw APIError.conflict("not-issued", "request \(id) is \(found.state.rawValue); no certificate yet")
            }
            let body = certificate + (found.chain ?? "")
            return Response(
                status: .ok, headers: [.contentType: "application/pem-certificate-chain"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    /// Realm, request id, and the requester to restrict to when the caller sees only their own
    /// requests (another requester's request is a 404, like one that does not exist).
    private func requestParameters(_ ctx: ServiceRequestContext) throws -> (String, UUID, String?) {
        let access = try ctx.authorize(.readRequests)
        let text = try ctx.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw APIError.notFound("request '\(text)'") }
        let requester = AccessPolicy.seesAllRequests(access.principal, realm: access.realm) ? nil : access.subject
        return (access.realm, id, requester)
    }

    private func submit(_ request: Request, _ ctx: ServiceRequestContext) async throws -> JSONResponse<RequestView> {
        let access = try ctx.authorize(.submitRequest)
        let realm = access.realm
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(realm)"
        let headerKey = request.headers[.init("Idempotency-Key")!]
        if let key = headerKey, key.isEmpty || key.count > 200 {
            throw APIError.badRequest("invalid-idempotency-key", "Idempotency-Key must be 1...200 characters")
        }
        // Keys are the caller's own: the same key from another requester is another request
        // (and never reveals the first one). The length prefix keeps the pair unambiguous.
        let idempotencyKey = headerKey.map { "\(access.subject.utf8.count):\(access.subject)\($0)" }
        let body = try await request.decodeJSON(SubmitRequest.self, limit: 128 * 1024)
        if let version = body.policyVersion, version < 1 {
            throw APIError.badRequest("invalid-field", "policyVersion: must be 1 or more")
        }

        // Judge everything that needs no database first.
        guard Identifier.isValid(body.policy) else { throw APIError.badRequest("invalid-identifier", "policy: not a valid identifier") }
        guard (1...20).contains(body.entities.count) else {
            throw APIError.badRequest("invalid-field", "entities: give 1...20 end entity ids")
        }
        for (index, entity) in body.entities.enumerated() where !Identifier.isValid(entity) {
            throw APIError.badRequest("invalid-identifier", "entities[\(index)]: not a valid identifier")
        }
        // The certificate's key: a CSR's public key (proof of possession checked), or a key
        // pair keygen will make after approval.
        let keySource: KeySource
        let key: KeyDescription
        var publicKey: String?
        var keySpec: String?
        switch (body.csr, body.keyGeneration) {
        case (.some, .some):
            throw APIError.badRequest("conflicting-key-source", "give either 'csr' or 'keyGeneration', not both")
        case (nil, nil):
            throw APIError.badRequest(
                "missing-key-source", "csr: a PKCS#10 request (PEM or base64 DER), or keyGeneration (e.g. ec:P-256)")
        case (.some(let csrText), nil):
            let csr: CertificationRequest
            do {
                csr = try CertificationRequest.parse(Self.csrBytes(csrText))
            } catch let error as CryptoError {
                throw APIError.unprocessable("invalid-csr", "csr: \(error.reason)")
            }
            keySource = .csr
            key = KeyDescription(
                algorithm: csr.publicKey.algorithm.rawValue, bits: csr.publicKey.bits, curve: csr.publicKey.curve?.rawValue)
            publicKey = Data(csr.publicKey.spkiDER).base64EncodedString()
        case (nil, .some(let text)):
            let spec: KeySpec
            do {
                spec = try KeySpec(parsing: text)
            } catch let error as CryptoError {
                throw APIError.unprocessable("invalid-key-generation", "keyGeneration: \(error.reason)")
            }
            keySource = .server
            key = Self.describe(spec)
            keySpec = spec.description
        }

        if let key = idempotencyKey,
            let existing = try await context.read({ try await store.request(idempotencyKey: key, realm: realm, on: $0, logger: logger) })
        {
            return try await existingRequest(existing, realm: realm, logger: logger)
        }

        let (policyVersion, policy, entities) = try await lookUp(realm: realm, body: body, logger: logger)
        let plan: RequestPlan
        switch RequestPlanner.plan(
            policy: policy, entities: entities, key: key, suggestedValidityDays: body.validityDays)
        {
        case .success(let value): plan = value
        case .failure(let violations):
            throw APIError.unprocessable(
                "policy-mismatch", "the request does not satisfy policy \(policy.id) v\(policyVersion)",
                extensions: ["violations": violations.items.map(\.description)])
        }
        var verificationEmails: [String]?
        if policy.approval.mode == .email {
            // Every end entity confirms at its own address, so each needs one.
            let missing = entities.filter { ($0.attributes.email ?? "").isEmpty }.map(\.id)
            guard missing.isEmpty else {
                throw APIError.unprocessable(
                    "policy-mismatch", "the request does not satisfy policy \(policy.id) v\(policyVersion)",
                    extensions: [
                        "violations": missing.map {
                            "\($0).email: required (policy approves by e-mail verification, which mails the end entity)"
                        }
                    ])
            }
            verificationEmails = Array(Set(entities.compactMap(\.attributes.email))).sorted()
        }

        let submitted = RequestSubmitted(
            request: UUID(), realm: realm, requester: access.subject, policy: policy.id, policyVersion: policyVersion,
            ca: policy.ca, approval: policy.approval, subject: plan.subject, alternativeNames: plan.alternativeNames,
            keySource: keySource, publicKey: publicKey, keySpec: keySpec,
            validityDays: plan.validityDays, keyUsage: policy.profile.keyUsage,
            extendedKeyUsage: policy.profile.extendedKeyUsage, submittedAt: Date(), verificationEmails: verificationEmails,
            keyRetentionSeconds: keySource == .server
                ? DurationText.seconds(policy.keyRetention ?? PolicyDocument.defaultKeyRetention) : nil)
        logger[metadataKey: "request.id"] = "\(submitted.request)"
        let inserted = try await context.transaction(logger: logger) { tx in
            guard
                try await store.insertRequest(
                    submitted, validityNote: plan.validityNote, idempotencyKey: idempotencyKey, on: tx.connection,
                    logger: tx.logger)
            else { return false }
            try await tx.publish(
                tx.outbox.event(
                    .requestSubmitted, subject: submitted.request.uuidString.lowercased(), realm: realm, data: submitted))
            try await context.audit.append(
                realm: realm, actor: submitted.requester, action: "request.submitted",
                target: submitted.request.uuidString.lowercased(),
                details: "policy \(submitted.policy) v\(submitted.policyVersion), key \(submitted.keySource.rawValue)", in: tx)
            return true
        }
        guard inserted, let view = try await context.read({ try await store.view(submitted.request, realm: realm, withHistory: true, on: $0, logger: logger) })
        else {
            // Lost a race with a retry carrying the same Idempotency-Key: answer with the winner.
            if let key = idempotencyKey,
                let existing = try await context.read({ try await store.request(idempotencyKey: key, realm: realm, on: $0, logger: logger) })
            {
                return try await existingRequest(existing, realm: realm, logger: logger)
            }
            throw APIError(.internalServerError, code: "internal", detail: "request was not recorded")
        }
        logger.info("request submitted", metadata: ["policy": "\(policy.id)", "policy.version": "\(policyVersion)"])
        return JSONResponse(view, status: .accepted)
    }

    private func existingRequest(_ id: UUID, realm: String, logger: Logger) async throws -> JSONResponse<RequestView> {
        guard let view = try await context.read({ try await store.view(id, realm: realm, withHistory: true, on: $0, logger: logger) })
        else { throw APIError.notFound("request \(id)") }
        return JSONResponse(view, status: .ok)
    }

    /// Finds the realm, the policy's latest version and the entities in the read model,
    /// giving the registry's events a moment to arrive for objects created just now.
    private func lookUp(realm: String, body: SubmitRequest, logger: Logger) async throws
        -> (Int, PolicyDocument, [EndEntity])
    {
        let deadline = ContinuousClock.now + readModelGrace
        while true {
            let found = try await context.read { connection -> (Bool, (Int, PolicyDocument)?, [String: EndEntity]) in
                let realmKnown = try await store.realmExists(realm, on: connection, logger: logger)
                guard realmKnown else { return (false, nil, [:]) }
                let policy = try await store.policy(
                    realm: realm, id: body.policy, version: body.policyVersion, on: connection, logger: logger)
                let entities = try await store.entities(realm: realm, ids: body.entities, on: connection, logger: logger)
                return (true, policy.map { ($0.version, $0.document) }, entities)
            }
            let missingEntities = body.entities.filter { found.2[$0] == nil }
            if found.0, let policy = found.1, missingEntities.isEmpty {
                return (policy.0, policy.1, body.entities.compactMap { found.2[$0] })
            }
            if ContinuousClock.now >= deadline {
                if !found.0 { throw APIError.notFound("realm '\(realm)'") }
                if found.1 == nil, let version = body.policyVersion {
                    throw APIError.unprocessable(
                        "unknown-policy-version",
                        "policyVersion: policy '\(body.policy)' has no version \(version) in realm '\(realm)' (yet)")
                }
                if found.1 == nil {
                    throw APIError.unprocessable("unknown-policy", "policy: '\(body.policy)' does not exist in realm '\(realm)'")
                }
                throw APIError.unprocessable(
                    "unknown-end-entity",
                    "entities: \(missingEntities.map { "'\($0)'" }.joined(separator: ", ")) not found in realm '\(realm)'")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// What the policy judges of a key that does not exist yet.
    static func describe(_ spec: KeySpec) -> KeyDescription {
        switch spec {
        case .rsa(let bits): KeyDescription(algorithm: "rsa", bits: bits)
        case .ec(let curve): KeyDescription(algorithm: "ec", bits: curve.bits, curve: curve.rawValue)
        case .ed25519: KeyDescription(algorithm: "ed25519", bits: 256)
        case .ed448: KeyDescription(algorithm: "ed448", bits: 456)
        }
    }

    /// Accepts PEM text or base64 DER.
    static func csrBytes(_ text: String) -> [UInt8] {
        if text.contains("-----BEGIN") { return Array(text.utf8) }
        let compact = text.filter { !$0.isWhitespace }
        return Data(base64Encoded: compact).map(Array.init) ?? Array(text.utf8)
    }
}
