import CLMContracts
import CLMServiceKit
import Foundation
import Hummingbird

/// A realm's certificates: search, export, one certificate, and revocation (by serial or by
/// the request it was issued for).
struct InventoryRoutes: Sendable {
    let store: any CAGatewayStore
    let revoke: RevokeCertificate

    func add(to router: Router<ServiceRequestContext>) {
        router.get("v1/realms/:realm/certificates") { request, ctx in
            let realm = try ctx.authorize(.readCertificates).realm
            let query = try CertificateQuery.parse(Self.parameters(request), now: Date())
            return JSONResponse(
                try await ListCertificates(store: store)(realm: realm, query: query, logger: ctx.logger))
        }
        router.get("v1/realms/:realm/certificates/export") { request, ctx in
            let realm = try ctx.authorize(.readCertificates).realm
            let parameters = Self.parameters(request)
            let query = try CertificateQuery.parse(parameters, now: Date())
            let format = parameters["format"] ?? "csv"
            guard format == "csv" || format == "json" else {
                throw Problem.invalid("invalid-query", "format: csv, json")
            }
            let rows = try await ListCertificates(store: store).all(realm: realm, query: query, logger: ctx.logger)
            ctx.logger.info("inventory exported", metadata: ["rows": "\(rows.count)", "format": "\(format)"])
            if format == "json" { return try JSONResponse(rows).response(from: request, context: ctx) }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"certificates-\(realm).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: CertificateCSV.encode(rows))))
        }
        router.get("v1/realms/:realm/certificates/:serial") { _, ctx in
            let realm = try ctx.authorize(.readCertificates).realm
            guard
                case .serial(let serial) = try CertificateLocator.serial(parsing: try ctx.parameters.require("serial"))
            else { throw Problem.notFound("certificate") }
            return JSONResponse(
                try await ShowCertificate(store: store)(realm: realm, serialNumber: serial, logger: ctx.logger))
        }
        router.post("v1/realms/:realm/certificates/:serial/revoke") { request, ctx in
            let locator = try CertificateLocator.serial(parsing: try ctx.parameters.require("serial"))
            return try await revoke(locator, request, ctx)
        }
        router.post("v1/realms/:realm/requests/:id/revoke") { request, ctx in
            guard let id = UUID(uuidString: try ctx.parameters.require("id")) else {
                throw Problem.notFound("request")
            }
            return try await revoke(.request(id), request, ctx)
        }
    }

    /// Judges the caller first (a stranger's body is never read), then revokes.
    private func revoke(_ locator: CertificateLocator, _ request: Request, _ ctx: ServiceRequestContext) async throws
        -> Response
    {
        let authorization = try ctx.authorize(.revokeCertificate)
        let body = try await request.decodeJSON(RevokeBody.self, limit: 8192)
        let caller = RevocationCaller(
            subject: authorization.principal.subject,
            isRealmAdmin: authorization.principal.roles(in: authorization.realm).contains(Role.realmAdmin.rawValue))
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(authorization.realm)"
        let outcome = try await revoke(
            locator, realm: authorization.realm, by: caller, reason: body.reason, comment: body.comment, store: store,
            logger: logger)
        return try JSONResponse(outcome.revocation, status: outcome.created ? .created : .ok)
            .response(from: request, context: ctx)
    }

    static func parameters(_ request: Request) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        return parameters
    }
}
