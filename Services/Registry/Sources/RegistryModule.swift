import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// Realms, their CAs and members, versioned policies and end entities. Every change is
/// published as a snapshot on the compacted registry topic, from which the other services
/// build their read models.
public struct RegistryModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "registry", schema: "registry", defaultPort: 8081, migrations: RegistryMigrations.all, consumes: [],
        keepsPublishedEvents: true)

    let context: ServiceContext
    let store: RegistryStore
    let members = RealmMembers(schema: definition.schema)

    public static func make(context: ServiceContext) async throws -> RegistryModule {
        RegistryModule(context: context, store: RegistryStore())
    }

    public var eventHandler: (any EventHandler)? { nil }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        let realms = router.group("v1/realms")
        addRealmRoutes(to: realms)
        addAccessRoutes(to: realms)
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

    struct CreateRealm: Codable, Sendable {
        var id: String
        var displayName: String
        /// CAs the realm's policies may name (`["default"]` when absent).
        var cas: [String]?
    }

    private func createRealm(_ request: Request, _ ctx: ServiceRequestContext) async throws
        -> JSONResponse<RealmSnapshot>
    {
        let admin = try ctx.authorizePlatform(.createRealm)
        let body = try await request.decodeJSON(CreateRealm.self, limit: 16 * 1024)
        guard Identifier.isValid(body.id) else {
            throw Problem.invalid("invalid-identifier", "id: must match [a-z0-9][a-z0-9-]{0,62}")
        }
        guard !Identifier.reservedRealms.contains(body.id) else {
            throw Problem.invalid("reserved-identifier", "id: '\(body.id)' is reserved")
        }
        guard (1...200).contains(body.displayName.count) else {
            throw Problem.invalid("invalid-field", "displayName: must be 1...200 characters")
        }
        if let cas = body.cas { try Self.validateCAList(cas) }
        let snapshot = RealmSnapshot(
            realm: body.id, displayName: body.displayName, createdAt: Date(), cas: body.cas ?? RealmSnapshot.defaultCAs)
        let created = try await context.transaction(logger: ctx.logger) { tx in
            guard try await store.insertRealm(snapshot, on: tx.connection, logger: tx.logger) else { return false }
            try await context.audit.append(
                realm: AuditRecord.platformRealm, actor: admin.subject, action: "realm.created", target: snapshot.realm,
                details: "CAs: \(snapshot.knownCAs.joined(separator: ", "))", in: tx)
            try await tx.publish(snapshot, subject: "realm/\(snapshot.realm)", realm: snapshot.realm)
            return true
        }
        guard created else { throw Problem.conflict("realm-exists", "realm '\(body.id)' already exists") }
        return JSONResponse(snapshot, status: .created)
    }

    private func savePolicy(_ request: Request, _ ctx: ServiceRequestContext, existing: String?) async throws
        -> JSONResponse<PolicySnapshot>
    {
        let realm = try await requireRealm(ctx, .manageRealm)
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 64 * 1024)
        } catch {
            throw Problem(.tooLarge, code: "body-too-large", detail: "a policy document is at most 64 KiB")
        }
        let schemaProblems = PolicyDocument.schemaProblems(Array(buffer: body))
        guard schemaProblems.isEmpty else {
            throw Problem.refused("invalid-policy", schemaProblems.joined(separator: "; "), violations: schemaProblems)
        }
        let document = try ContractCoding.decoder().decode(PolicyDocument.self, from: Data(buffer: body))
        if let existing, existing != document.id {
            throw Problem.invalid("id-mismatch", "id: '\(document.id)' differs from the URL's '\(existing)'")
        }
        let problems = document.validationProblems()
        guard problems.isEmpty else {
            throw Problem.refused("invalid-policy", problems.joined(separator: "; "), violations: problems)
        }
        let snapshot = try await context.transaction(logger: ctx.logger) { tx -> PolicySnapshot? in
            let latest = try await store.latestPolicyVersion(
                realm: realm, id: document.id, on: tx.connection, logger: tx.logger)
            let known = try await store.realm(realm, on: tx.connection, logger: tx.logger)?.knownCAs ?? []
            guard known.contains(document.ca) else {
                let problem =
                    "/ca: '\(document.ca)' is not a CA of realm '\(realm)' (its CAs: \(known.joined(separator: ", ")))"
                throw Problem.refused("invalid-policy", problem, violations: [problem])
            }
            switch (existing, latest) {
            case (nil, .some): return nil
            case (.some, nil): throw Problem.notFound("policy '\(document.id)'")
            default: break
            }
            let snapshot = PolicySnapshot(
                realm: realm, policy: document.id, version: (latest ?? 0) + 1, document: document, createdAt: Date())
            try await store.insertPolicy(snapshot, on: tx.connection, logger: tx.logger)
            try await context.audit.append(
                realm: realm, actor: try ctx.requirePrincipal().subject, action: "policy.version-created",
                target: "policy/\(document.id)/\(snapshot.version)",
                details: "ca \(document.ca), approval \(document.approval.mode.rawValue)", in: tx)
            try await tx.publish(snapshot, subject: "policy/\(realm)/\(document.id)/\(snapshot.version)", realm: realm)
            return snapshot
        }
        guard let snapshot else {
            throw Problem.conflict(
                "policy-exists", "policy '\(document.id)' exists; PUT to its URL to create a new version")
        }
        return JSONResponse(snapshot, status: existing == nil ? .created : .ok)
    }

    private func saveEntity(_ request: Request, _ ctx: ServiceRequestContext, existing: String?) async throws
        -> JSONResponse<EndEntitySnapshot>
    {
        let realm = try await requireRealm(ctx, .manageRealm)
        let entity = try await request.decodeJSON(EndEntity.self, limit: 64 * 1024)
        if let existing, existing != entity.id {
            throw Problem.invalid("id-mismatch", "id: '\(entity.id)' differs from the URL's '\(existing)'")
        }
        guard Identifier.isValid(entity.id) else {
            throw Problem.invalid("invalid-identifier", "id: must match [a-z0-9][a-z0-9-]{0,62}")
        }
        let problems = entity.attributes.validationProblems()
        guard problems.isEmpty else {
            throw Problem.refused("invalid-end-entity", problems.joined(separator: "; "), violations: problems)
        }
        let snapshot = try await context.transaction(logger: ctx.logger) { tx -> EndEntitySnapshot? in
            let revision = try await store.entityRevision(
                realm: realm, id: entity.id, on: tx.connection, logger: tx.logger)
            switch (existing, revision) {
            case (nil, .some): return nil
            case (.some, nil): throw Problem.notFound("end entity '\(entity.id)'")
            default: break
            }
            let snapshot = EndEntitySnapshot(realm: realm, entity: entity, revision: (revision ?? 0) + 1)
            try await store.upsertEntity(snapshot, on: tx.connection, logger: tx.logger)
            try await context.audit.append(
                realm: realm, actor: try ctx.requirePrincipal().subject, action: "end-entity.saved",
                target: "end-entity/\(entity.id)/\(snapshot.revision)", in: tx)
            try await tx.publish(snapshot, subject: "end-entity/\(realm)/\(entity.id)", realm: realm)
            return snapshot
        }
        guard let snapshot else {
            throw Problem.conflict("end-entity-exists", "end entity '\(entity.id)' exists; PUT to its URL to change it")
        }
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
