import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// `/v1/realms`: realms, versioned policies and end entities.
struct RegistryRoutes: Sendable {
    let context: ServiceContext
    let store: RegistryStore
    let changes: RegistryChanges

    func add(to router: Router<ServiceRequestContext>) {
        let realms = router.group("v1/realms")
        addRealmRoutes(to: realms)
        addPolicyRoutes(to: realms)
        addEntityRoutes(to: realms)
    }

    private func addRealmRoutes(to realms: RouterGroup<ServiceRequestContext>) {
        realms.post { request, ctx in try await createRealm(request, ctx) }
        realms.get { _, ctx in
            // Platform admins see every realm; everyone else only the realms they hold a role in.
            let principal = try ctx.requirePrincipal()
            let all = try await read(ctx) { try await $0.realms(on: $1, logger: $2) }
            return JSONResponse(
                all.filter { AccessPolicy.decide(.readRealm, principal: principal, realm: $0.realm) == .allow })
        }
        realms.get(":realm") { _, ctx in
            let realm = try ctx.authorize(.readRealm).realm
            guard let found = try await read(ctx, { try await $0.realm(realm, on: $1, logger: $2) }) else {
                throw Problem.notFound("realm '\(realm)'")
            }
            return JSONResponse(found)
        }
    }

    private func addPolicyRoutes(to realms: RouterGroup<ServiceRequestContext>) {
        realms.post(":realm/policies") { request, ctx in try await savePolicy(request, ctx, existing: nil) }
        realms.put(":realm/policies/:policy") { request, ctx in
            try await savePolicy(request, ctx, existing: try ctx.parameters.require("policy"))
        }
        realms.get(":realm/policies") { _, ctx in
            let realm = try await requireRealm(ctx, .readRegistry)
            return JSONResponse(try await read(ctx) { try await $0.policies(realm: realm, on: $1, logger: $2) })
        }
        realms.get(":realm/policies/:policy") { _, ctx in
            let realm = try await requireRealm(ctx, .readRegistry)
            let policy = try ctx.parameters.require("policy")
            guard
                let found = try await read(
                    ctx, { try await $0.policy(realm: realm, id: policy, version: nil, on: $1, logger: $2) })
            else { throw Problem.notFound("policy '\(policy)'") }
            return JSONResponse(found)
        }
        realms.get(":realm/policies/:policy/versions") { _, ctx in
            let realm = try await requireRealm(ctx, .readRegistry)
            let policy = try ctx.parameters.require("policy")
            let versions = try await read(ctx) {
                try await $0.policyVersions(realm: realm, id: policy, on: $1, logger: $2)
            }
            guard !versions.isEmpty else { throw Problem.notFound("policy '\(policy)'") }
            return JSONResponse(versions)
        }
        realms.get(":realm/policies/:policy/versions/:version") { _, ctx in
            let realm = try await requireRealm(ctx, .readRegistry)
            let policy = try ctx.parameters.require("policy")
            let version = try ctx.parameters.require("version", as: Int.self)
            guard
                let found = try await read(
                    ctx, { try await $0.policy(realm: realm, id: policy, version: version, on: $1, logger: $2) })
            else { throw Problem.notFound("policy '\(policy)' version \(version)") }
            return JSONResponse(found)
        }
    }

    private func addEntityRoutes(to realms: RouterGroup<ServiceRequestContext>) {
        realms.post(":realm/end-entities") { request, ctx in try await saveEntity(request, ctx, existing: nil) }
        realms.put(":realm/end-entities/:entity") { request, ctx in
            try await saveEntity(request, ctx, existing: try ctx.parameters.require("entity"))
        }
        realms.get(":realm/end-entities") { _, ctx in
            let realm = try await requireRealm(ctx, .readRegistry)
            return JSONResponse(try await read(ctx) { try await $0.entities(realm: realm, on: $1, logger: $2) })
        }
        realms.get(":realm/end-entities/:entity") { _, ctx in
            let realm = try await requireRealm(ctx, .readRegistry)
            let entity = try ctx.parameters.require("entity")
            guard let found = try await read(ctx, { try await $0.entity(realm: realm, id: entity, on: $1, logger: $2) })
            else { throw Problem.notFound("end entity '\(entity)'") }
            return JSONResponse(found)
        }
    }

    /// A read-only query of the store for one API call.
    func read<T: Sendable>(
        _ ctx: ServiceRequestContext, _ body: (RegistryStore, PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try await context.read(logger: ctx.logger) { try await body(store, $0, ctx.logger) }
    }

    private func createRealm(_ request: Request, _ ctx: ServiceRequestContext) async throws
        -> JSONResponse<RealmSnapshot>
    {
        let admin = try ctx.authorizePlatform(.createRealm)
        let body = try await request.decodeJSON(CreateRealmBody.self, limit: 16 * 1024)
        let snapshot = try await changes.createRealm(
            id: body.id, displayName: body.displayName, cas: body.cas, by: admin.subject,
            database: context.logging(to: ctx.logger))
        return JSONResponse(snapshot, status: .created)
    }

    private func savePolicy(_ request: Request, _ ctx: ServiceRequestContext, existing: String?) async throws
        -> JSONResponse<PolicySnapshot>
    {
        let realm = try await requireRealm(ctx, .manageRealm)
        let body = try await request.checkedJSON(limit: 64 * 1024)
        let document = try RegistryRules.policyDocument(body, existing: existing)
        let snapshot = try await changes.savePolicy(
            document, realm: realm, existing: existing, by: try ctx.requirePrincipal().subject,
            database: context.logging(to: ctx.logger))
        return JSONResponse(snapshot, status: existing == nil ? .created : .ok)
    }

    private func saveEntity(_ request: Request, _ ctx: ServiceRequestContext, existing: String?) async throws
        -> JSONResponse<EndEntitySnapshot>
    {
        let realm = try await requireRealm(ctx, .manageRealm)
        let entity = try await request.decodeJSON(EndEntity.self, limit: 64 * 1024)
        let snapshot = try await changes.saveEntity(
            entity, realm: realm, existing: existing, by: try ctx.requirePrincipal().subject,
            database: context.logging(to: ctx.logger))
        return JSONResponse(snapshot, status: existing == nil ? .created : .ok)
    }

    /// The realm of the path, which the caller may act on and which must exist (404 otherwise).
    func requireRealm(_ ctx: ServiceRequestContext, _ permission: Permission) async throws -> String {
        let realm = try ctx.authorize(permission).realm
        guard try await read(ctx, { try await $0.realm(realm, on: $1, logger: $2) }) != nil else {
            throw Problem.notFound("realm '\(realm)'")
        }
        return realm
    }
}
