import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird

/// Who may act in a realm (members and their roles) and which CAs its policies may name.
extension RegistryModule {
    struct MemberRoles: Codable, Sendable {
        var roles: [String]
    }

    struct RealmCAs: Codable, Sendable {
        var realm: String
        var cas: [String]
    }

    func addAccessRoutes(to realms: RouterGroup<ServiceRequestContext>) {
        realms.get(":realm/members") { _, ctx in
            let realm = try await requireRealm(ctx, .readMembers)
            return JSONResponse(try await read(ctx) { try await members.members(realm: realm, on: $1, logger: $2) })
        }
        realms.get(":realm/members/:subject") { _, ctx in
            let realm = try await requireRealm(ctx, .readMembers)
            let subject = try Self.subject(ctx)
            let found = try await read(ctx) {
                try await members.member(realm: realm, subject: subject, on: $1, logger: $2)
            }
            guard let found, !found.roles.isEmpty else { throw Problem.notFound("member '\(subject)'") }
            return JSONResponse(found)
        }
        realms.put(":realm/members/:subject") { request, ctx in
            let realm = try await requireRealm(ctx, .manageRealm)
            let subject = try Self.subject(ctx)
            let body = try await request.decodeJSON(MemberRoles.self, limit: 4 * 1024)
            let roles = try Self.validateRoles(body.roles)
            return JSONResponse(try await saveMember(realm: realm, subject: subject, roles: roles, ctx))
        }
        realms.delete(":realm/members/:subject") { _, ctx in
            let realm = try await requireRealm(ctx, .manageRealm)
            let subject = try Self.subject(ctx)
            _ = try await saveMember(realm: realm, subject: subject, roles: [], ctx)
            return Response(status: .noContent)
        }

        realms.get(":realm/cas") { _, ctx in
            let realm = try await requireRealm(ctx, .readRegistry)
            let found = try await read(ctx) { try await $0.realm(realm, on: $1, logger: $2) }
            return JSONResponse(RealmCAs(realm: realm, cas: found?.knownCAs ?? []))
        }
        realms.put(":realm/cas/:ca") { _, ctx in
            _ = try ctx.authorizePlatform(.assignCA)
            return JSONResponse(try await changeCAs(ctx) { cas, ca, _ in cas.contains(ca) ? cas : cas + [ca] })
        }
        realms.delete(":realm/cas/:ca") { _, ctx in
            _ = try ctx.authorizePlatform(.assignCA)
            return JSONResponse(
                try await changeCAs(ctx) { cas, ca, usedBy in
                    guard cas.contains(ca) else { throw Problem.notFound("CA '\(ca)' in this realm") }
                    guard usedBy.isEmpty else {
                        throw Problem.conflict(
                            "ca-in-use",
                            "CA '\(ca)' is named by the latest version of: \(usedBy.joined(separator: ", "))")
                    }
                    return cas.filter { $0 != ca }
                })
        }
    }

    /// Writes one membership (empty `roles` removes it) and publishes it, in one transaction.
    private func saveMember(realm: String, subject: String, roles: [String], _ ctx: ServiceRequestContext) async throws
        -> MemberSnapshot
    {
        try await context.transaction(logger: ctx.logger) { tx in
            let current = try await members.member(realm: realm, subject: subject, on: tx.connection, logger: tx.logger)
            if roles.isEmpty && (current?.roles.isEmpty ?? true) { throw Problem.notFound("member '\(subject)'") }
            let snapshot = MemberSnapshot(
                realm: realm, subject: subject, roles: roles, revision: (current?.revision ?? 0) + 1, updatedAt: Date())
            try await members.apply(snapshot, on: tx.connection, logger: tx.logger)
            try await context.audit.append(
                realm: realm, actor: try ctx.requirePrincipal().subject,
                action: roles.isEmpty ? "member.removed" : "member.granted", target: "member/\(subject)",
                details: roles.joined(separator: ","), in: tx)
            try await tx.publish(snapshot, subject: "member/\(realm)/\(subject)", realm: realm)
            tx.logger.notice(
                "realm membership changed",
                metadata: ["realm": "\(realm)", "member": "\(subject)", "roles": "\(roles.joined(separator: ","))"])
            return snapshot
        }
    }

    /// Applies `change` to the realm's CA list under the realm's row lock and publishes the realm.
    private func changeCAs(
        _ ctx: ServiceRequestContext, _ change: @Sendable ([String], String, [String]) throws -> [String]
    ) async throws -> RealmCAs {
        let realm = try ctx.parameters.require("realm")
        let ca = try ctx.parameters.require("ca")
        guard Identifier.isValid(realm) else { throw Problem.notFound("realm '\(realm)'") }
        guard Identifier.isValid(ca) else {
            throw Problem.invalid("invalid-identifier", "ca: must match [a-z0-9][a-z0-9-]{0,62}")
        }
        return try await context.transaction(logger: ctx.logger) { tx in
            guard var snapshot = try await store.realm(realm, lock: true, on: tx.connection, logger: tx.logger) else {
                throw Problem.notFound("realm '\(realm)'")
            }
            let usedBy = try await store.policiesUsing(ca: ca, realm: realm, on: tx.connection, logger: tx.logger)
            let updated = try change(snapshot.knownCAs, ca, usedBy)
            if updated != snapshot.knownCAs {
                try Self.validateCAList(updated)
                snapshot.cas = updated
                try await store.setCAs(updated, realm: realm, on: tx.connection, logger: tx.logger)
                try await context.audit.append(
                    realm: realm, actor: try ctx.requirePrincipal().subject, action: "realm.cas-changed",
                    target: "realm/\(realm)",
                    details: "CAs: \(updated.joined(separator: ", "))", in: tx)
                try await tx.publish(snapshot, subject: "realm/\(realm)", realm: realm)
            }
            return RealmCAs(realm: realm, cas: updated)
        }
    }

    /// A token subject from the path: what an IdP puts in `sub` (e-mail addresses, UUIDs,
    /// `service-account:x`), without control characters.
    static func subject(_ ctx: ServiceRequestContext) throws -> String {
        // The router hands over the raw segment; subjects with `/` or spaces come percent-encoded.
        let raw = try ctx.parameters.require("subject")
        guard let subject = raw.removingPercentEncoding else {
            throw Problem.invalid("invalid-subject", "subject: invalid percent-encoding")
        }
        guard (1...256).contains(subject.utf8.count),
            !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw Problem.invalid("invalid-subject", "subject: 1...256 bytes without control characters") }
        return subject
    }

    static func validateRoles(_ roles: [String]) throws -> [String] {
        guard !roles.isEmpty else {
            throw Problem.invalid("invalid-field", "roles: name at least one role (DELETE removes a member)")
        }
        let unknown = roles.filter { !MemberSnapshot.grantableRoles.contains($0) }
        guard unknown.isEmpty else {
            let named = unknown.map { "'\($0)'" }.joined(separator: ", ")
            let grantable = MemberSnapshot.grantableRoles.sorted().joined(separator: ", ")
            throw Problem.invalid("invalid-field", "roles: \(named) not one of \(grantable)")
        }
        return Array(Set(roles)).sorted()
    }

    static func validateCAList(_ cas: [String]) throws {
        guard cas.count <= 32 else { throw Problem.invalid("invalid-field", "cas: at most 32 CAs per realm") }
        for ca in cas where !Identifier.isValid(ca) {
            throw Problem.invalid("invalid-identifier", "cas: '\(ca)' must match [a-z0-9][a-z0-9-]{0,62}")
        }
        guard Set(cas).count == cas.count else { throw Problem.invalid("invalid-field", "cas: listed twice") }
    }
}
