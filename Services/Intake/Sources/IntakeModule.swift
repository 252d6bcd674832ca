import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// The request API: judges a request against its policy version, records it, and follows the
/// workflow's events until the certificate can be downloaded.
public struct IntakeModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "intake", schema: "intake", defaultPort: 8082, migrations: IntakeMigrations.all,
        consumes: [.registry, .requestEvents, .requestCommands])

    let context: ServiceContext
    let store = IntakeStore()
    let commands: CommandHandler
    let redriver: RequestRedriver
    /// How long a submission waits for the registry read model to catch up with an object
    /// created moments ago, before answering that it does not exist.
    let readModelGrace: Duration = .seconds(5)

    public static func make(context: ServiceContext) async throws -> IntakeModule {
        var env = EnvironmentReader(context.configuration.environment)
        let redriveAfter = env.int("CLM_REDRIVE_AFTER_SECONDS", default: 60, range: 1...86_400)
        try env.validate()
        let store = IntakeStore()
        return IntakeModule(
            context: context,
            commands: CommandHandler(
                store: store, audit: context.audit, members: RealmMembers(schema: definition.schema),
                authenticator: context.authenticator),
            redriver: RequestRedriver(after: .seconds(redriveAfter)))
    }

    public var services: [any Service] {
        let (client, logger, redriver) = (context.client, context.logger, redriver)
        let interval = min(redriver.after / 2, .seconds(5))
        return [
            PeriodicTask(name: "request re-drive", interval: interval, logger: logger) {
                try await redriver.redrive(client: client, logger: logger)
            }
        ]
    }

    public var eventHandler: (any EventHandler)? { IntakeEventHandler(store: store, commands: commands) }

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
        let idempotencyKey = try Submission.idempotencyKey(headerKey, requester: access.subject)
        let body = try await request.decodeJSON(SubmitRequest.self, limit: 128 * 1024)
        // Everything that needs no database first.
        let key = try Submission.checkedKey(body)

        if let idempotencyKey,
            let existing = try await context.read({ try await store.request(idempotencyKey: idempotencyKey, realm: realm, on: $0, logger: logger) })
        {
            return try await existingRequest(existing, realm: realm, logger: logger)
        }
        let found = try await lookUp(realm: realm, body: body, logger: logger)
        let (submitted, note) = try Submission.judge(
            body, key: key, realm: realm, requester: access.subject, policyVersion: found.0, policy: found.1, entities: found.2)
        logger[metadataKey: "request.id"] = "\(submitted.request)"
        let inserted = try await context.transaction(logger: logger) { tx in
            try await Submission.record(submitted, validityNote: note, idempotencyKey: idempotencyKey, store: store, audit: context.audit, in: tx)
        }
        guard inserted, let view = try await context.read({ try await store.view(submitted.request, realm: realm, withHistory: true, on: $0, logger: logger) })
        else {
            // Lost a race with a retry carrying the same Idempotency-Key: answer with the winner.
            if let idempotencyKey,
                let existing = try await context.read({ try await store.request(idempotencyKey: idempotencyKey, realm: realm, on: $0, logger: logger) })
            {
                return try await existingRequest(existing, realm: realm, logger: logger)
            }
            throw APIError(.internalServerError, code: "internal", detail: "request was not recorded")
        }
        logger.info("request submitted", metadata: ["policy": "\(submitted.policy)", "policy.version": "\(submitted.policyVersion)"])
        return JSONResponse(view, status: .accepted)
    }

    private func existingRequest(_ id: UUID, realm: String, logger: Logger) async throws -> JSONResponse<RequestView> {
        guard let view = try await context.read({ try await store.view(id, realm: realm, withHistory: true, on: $0, logger: logger) })
        else { throw APIError.notFound("request \(id)") }
        return JSONResponse(view, status: .ok)
    }

    /// Finds the realm, the policy version and the entities in the read model, giving the
    /// registry's events a moment to arrive for objects created just now.
    private func lookUp(realm: String, body: SubmitRequest, logger: Logger) async throws
        -> (Int, PolicyDocument, [EndEntity])
    {
        let deadline = ContinuousClock.now + readModelGrace
        while true {
            do {
                return try await context.read { connection in
                    try await Submission.lookUp(realm: realm, body: body, store: store, on: connection, logger: logger)
                }
            } catch let error as APIError where ContinuousClock.now < deadline && error.status != .serviceUnavailable {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
