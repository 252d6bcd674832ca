import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird

/// `/v1/realms/{realm}/members` and `/cas`: who may act in a realm, and which CAs its
/// policies may name.
struct AccessRoutes: Sendable {
    let registry: RegistryRoutes
    let members: RealmMembers
    let changes: RealmAccessChanges

    func add(to realms: RouterGroup<ServiceRequestContext>) {
        realms.get(":realm/members") { _, ctx in
            let realm = try await registry.requireRealm(ctx, .readMembers)
            return JSONResponse(
                try await registry.read(ctx) { try await members.members(realm: realm, on: $1, logger: $2) })
        }
        realms.get(":realm/members/:subject") { _, ctx in
            let realm = try await registry.requireRealm(ctx, .readMembers)
            let subject = try RegistryRules.subject(fromPath: try ctx.parameters.require("subject"))
            let found = try await registry.read(ctx) {
                try await members.member(realm: realm, subject: subject, on: $1, logger: $2)
            }
            guard let found, !found.roles.isEmpty else { throw Problem.notFound("member '\(subject)'") }
            return JSONResponse(found)
        }
        realms.put(":realm/members/:subject") { request, ctx in
            let realm = try await registry.requireRealm(ctx, .manageRealm)
            let subject = try RegistryRules.subject(fromPath: try ctx.parameters.require("subject"))
            let body = try await request.decodeJSON(MemberRolesBody.self, limit: 4 * 1024)
            let roles = try RegistryRules.validateRoles(body.roles)
            return JSONResponse(
                try await changes.saveMember(
                    realm: realm, subject: subject, roles: roles, by: try ctx.requirePrincipal().subject,
                    database: registry.context.logging(to: ctx.logger)))
        }
        realms.delete(":realm/members/:subject") { _, ctx in
            let realm = try await registry.requireRealm(ctx, .manageRealm)
            let subject = try RegistryRules.subject(fromPath: try ctx.parameters.require("subject"))
            _ = try await changes.saveMember(
                realm: realm, subject: subject, roles: [], by: try ctx.requirePrincipal().subject,
                database: registry.context.logging(to: ctx.logger))
            return Response(status: .noContent)
        }

        realms.get(":realm/cas") { _, ctx in
            let realm = try await registry.requireRealm(ctx, .readRegistry)
            let found = try await registry.read(ctx) { try await $0.realm(realm, on: $1, logger: $2) }
            return JSONResponse(RealmCAsView(realm: realm, cas: found?.knownCAs ?? []))
        }
        realms.put(":realm/cas/:ca") { _, ctx in
            _ = try ctx.authorizePlatform(.assignCA)
            return JSONResponse(try await changeCAs(ctx) { cas, ca, _ in RegistryRules.adding(ca, to: cas) })
        }
        realms.delete(":realm/cas/:ca") { _, ctx in
            _ = try ctx.authorizePlatform(.assignCA)
            return JSONResponse(
                try await changeCAs(ctx) { cas, ca, usedBy in try RegistryRules.removing(ca, from: cas, usedBy: usedBy)
                }
            )
        }
    }

    private func changeCAs(
        _ ctx: ServiceRequestContext, _ change: @escaping @Sendable ([String], String, [String]) throws -> [String]
    ) async throws -> RealmCAsView {
        let realm = try ctx.parameters.require("realm")
        let cas = try await changes.changeCAs(
            realm: realm, ca: try ctx.parameters.require("ca"), by: try ctx.requirePrincipal().subject,
            database: registry.context.logging(to: ctx.logger), change)
        return RealmCAsView(realm: realm, cas: cas)
    }
}
