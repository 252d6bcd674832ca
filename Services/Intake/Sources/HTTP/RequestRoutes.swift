import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging

/// The request API: `POST/GET /v1/realms/{realm}/requests`, `POST …/preview`, `GET …/{id}`,
/// `GET …/{id}/certificate`, and
/// renewal, `POST /v1/realms/{realm}/certificates/{serial}/renew`.
struct RequestRoutes: Sendable {
    let context: ServiceContext
    let store: IntakeStore
    let submit: SubmitRequest
    /// How long a submission waits for the registry read model to catch up with an object
    /// created moments ago, before answering that it does not exist.
    let readModelGrace: Duration = .seconds(5)

    func add(to router: Router<ServiceRequestContext>) {
        let requests = router.group("v1/realms/:realm/requests")
        requests.post { request, ctx in try await create(request, ctx) }
        requests.post("preview") { request, ctx in try await preview(request, ctx) }
        requests.get { request, ctx in try await list(request, ctx) }
        requests.get(":id") { _, ctx in
            let (realm, id, requester) = try requestParameters(ctx)
            guard let view = try await view(id, realm: realm, requester: requester, logger: ctx.logger) else {
                throw Problem.notFound("request \(id)")
            }
            return JSONResponse(view)
        }
        requests.get(":id/certificate") { _, ctx in try await certificate(ctx) }
        router.post("v1/realms/:realm/certificates/:serial/renew") { request, ctx in try await renew(request, ctx) }
    }

    private func renew(_ request: Request, _ ctx: ServiceRequestContext) async throws -> JSONResponse<RequestView> {
        let access = try ctx.authorize(.submitRequest)
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(access.realm)"
        let body = try await request.decodeJSON(RenewBody.self, limit: 128 * 1024)
        let outcome = try await RenewCertificate(submit: submit, store: store)(
            serialNumber: try ctx.parameters.require("serial"), realm: access.realm, caller: access.subject,
            isRealmAdmin: access.principal.roles(in: access.realm).contains(Role.realmAdmin.rawValue), body: body,
            idempotencyKey: request.headers[.init("Idempotency-Key")!], database: context.logging(to: logger),
            logger: logger)
        // The request is stored (or was already): its view is read even if the monitor just
        // counted the database unavailable.
        guard
            let view = try await view(
                outcome.request, realm: access.realm, requester: nil, logger: logger, failFast: false)
        else {
            throw Problem.internal("request was not recorded")
        }
        return JSONResponse(view, status: outcome.isNew ? .accepted : .ok)
    }

    /// The policy's judgement of a request before it is submitted; nothing is stored.
    private func preview(_ request: Request, _ ctx: ServiceRequestContext) async throws -> JSONResponse<RequestPreview>
    {
        let access = try ctx.authorize(.submitRequest)
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(access.realm)"
        let body = try await request.decodeJSON(SubmitRequestBody.self, limit: 128 * 1024)
        return JSONResponse(
            try await PreviewRequest(submit: submit)(
                realm: access.realm, body: body, database: context.logging(to: logger), logger: logger))
    }

    private func create(_ request: Request, _ ctx: ServiceRequestContext) async throws -> JSONResponse<RequestView> {
        let access = try ctx.authorize(.submitRequest)
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(access.realm)"
        let body = try await request.decodeJSON(SubmitRequestBody.self, limit: 128 * 1024)
        let outcome = try await submit(
            .init(
                realm: access.realm, requester: access.subject, body: body,
                idempotencyKey: request.headers[.init("Idempotency-Key")!], readModelGrace: readModelGrace),
            database: context.logging(to: logger), logger: logger)
        // The request is stored (or was already): its view is read even if the monitor just
        // counted the database unavailable.
        guard
            let view = try await view(
                outcome.request, realm: access.realm, requester: nil, logger: logger, failFast: false)
        else {
            throw Problem.internal("request was not recorded")
        }
        if case .submitted = outcome { return JSONResponse(view, status: .accepted) }
        return JSONResponse(view, status: .ok)
    }

    private func list(_ request: Request, _ ctx: ServiceRequestContext) async throws -> JSONResponse<[RequestView]> {
        let access = try ctx.authorize(.readRequests)
        let requester = AccessPolicy.seesAllRequests(access.principal, realm: access.realm) ? nil : access.subject
        let state = try request.uri.queryParameters.get("state").map { text -> RequestState in
            guard let state = RequestState(rawValue: text) else {
                let states = RequestState.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem.invalid("invalid-query", "state: must be one of \(states)")
            }
            return state
        }
        let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
        let store = self.store
        return JSONResponse(
            try await context.read {
                try await store.list(
                    realm: access.realm, state: state, requester: requester, limit: limit, on: $0, logger: ctx.logger)
            })
    }

    private func certificate(_ ctx: ServiceRequestContext) async throws -> Response {
        let (realm, id, requester) = try requestParameters(ctx)
        let store = self.store
        guard
            let found = try await context.read({
                try await store.certificate(id, realm: realm, requester: requester, on: $0, logger: ctx.logger)
            })
        else { throw Problem.notFound("request \(id)") }
        guard found.state == .issued, let certificate = found.certificate else {
            throw Problem.conflict("not-issued", "request \(id) is \(found.state.rawValue); no certificate yet")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/pem-certificate-chain"],
            body: .init(byteBuffer: ByteBuffer(string: certificate + (found.chain ?? ""))))
    }

    private func view(
        _ id: UUID, realm: String, requester: String?, logger: Logger, failFast: Bool = true
    ) async throws -> RequestView? {
        let store = self.store
        return try await context.read(failFast: failFast) {
            try await store.view(id, realm: realm, requester: requester, withHistory: true, on: $0, logger: logger)
        }
    }

    /// Realm, request id, and the requester to restrict to when the caller sees only their own
    /// requests (another requester's request is a 404, like one that does not exist).
    private func requestParameters(_ ctx: ServiceRequestContext) throws -> (String, UUID, String?) {
        let access = try ctx.authorize(.readRequests)
        let text = try ctx.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw Problem.notFound("request '\(text)'") }
        let requester = AccessPolicy.seesAllRequests(access.principal, realm: access.realm) ? nil : access.subject
        return (access.realm, id, requester)
    }
}
