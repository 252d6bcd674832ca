import CLMContracts
import Hummingbird

/// Every service's read access to its own audit chains, for auditors and `clm audit verify`:
/// `GET /v1/realms/{realm}/audit/{service}` (auditor, realm-admin) and
/// `GET /v1/audit/{service}` for the platform chain (platform-admin). The service segment
/// lets the edge route each trail to the service that holds it.
struct AuditRoutes {
    let context: ServiceContext

    func add(to router: Router<ServiceRequestContext>) {
        router.get("v1/realms/:realm/audit/:service") { request, ctx in
            let realm = try ctx.authorize(.readAudit).realm
            return JSONResponse(try await page(realm: realm, request, ctx))
        }
        router.get("v1/audit/:service") { request, ctx in
            _ = try ctx.authorizePlatform(.readPlatformAudit)
            return JSONResponse(try await page(realm: AuditRecord.platformRealm, request, ctx))
        }
    }

    private func page(realm: String, _ request: Request, _ ctx: ServiceRequestContext) async throws -> [AuditRecord] {
        let audit = context.audit
        let service = try ctx.parameters.require("service")
        guard service == audit.service else {
            throw APIError.notFound("audit trail of '\(service)' (this is \(audit.service))")
        }
        let after = try Self.integer(request, "after", default: 0, range: 0...Int(Int32.max))
        let limit = try Self.integer(request, "limit", default: 500, range: 1...1000)
        return try await context.read(logger: ctx.logger) {
            try await audit.records(realm: realm, after: after, limit: limit, on: $0, logger: ctx.logger)
        }
    }

    static func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest(
                "invalid-query", "\(name): an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}
