import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Testing

@testable import Registry

/// The registry's writes in-process against a real PostgreSQL (no service, no broker): what
/// each records and publishes, and what it refuses.
@Suite("Registry use cases", .serialized, .timeLimit(.minutes(3)))
struct RegistryChangesTests {
    static func prepared() async throws -> (InProcessDatabase, RegistryChanges, RealmAccessChanges) {
        let db = try await InProcessDatabase.start(RegistryModule.definition)
        let (store, members) = (RegistryStore(), RealmMembers(schema: "registry"))
        let audit = AuditLog(service: "registry", schema: "registry")
        return (
            db, RegistryChanges(store: store, members: members, audit: audit),
            RealmAccessChanges(store: store, members: members, audit: audit)
        )
    }

    static func policy(ca: String = "default") throws -> PolicyDocument {
        let url = try TestEnvironment.require().repoRoot.appendingPathComponent("deploy/demo/policy.json")
        var document = try ContractCoding.decoder().decode(PolicyDocument.self, from: Data(contentsOf: url))
        document.ca = ca
        return document
    }

    /// The snapshots queued for the registry topic, as `type key`.
    static func published(_ db: InProcessDatabase) throws -> [String] {
        try db.database.query(
            "SELECT event_type || ' ' || key FROM registry.outbox WHERE event_type <> 'clm.audit.record.v1' ORDER BY id"
        )
    }

    @Test("a realm, a policy and its next version, an end entity: each stored, audited and published once")
    func registryWrites() async throws {
        let (db, changes, _) = try await Self.prepared()
        defer { db.stop() }
        _ = try await changes.createRealm(id: "acme", displayName: "ACME", cas: nil, by: "admin", database: db)
        await #expect(throws: Problem.conflict("realm-exists", "")) {
            try await changes.createRealm(id: "acme", displayName: "again", cas: nil, by: "admin", database: db)
        }
        let first = try await changes.savePolicy(
            try Self.policy(), realm: "acme", existing: nil, by: "kim", database: db)
        let second = try await changes.savePolicy(
            try Self.policy(), realm: "acme", existing: "web-server", by: "kim", database: db)
        #expect((first.version, second.version) == (1, 2))
        await #expect(throws: Problem.conflict("policy-exists", "")) {
            try await changes.savePolicy(try Self.policy(), realm: "acme", existing: nil, by: "kim", database: db)
        }
        await #expect(throws: Problem.refused("invalid-policy", "")) {
            try await changes.savePolicy(
                try Self.policy(ca: "elsewhere"), realm: "acme", existing: "web-server", by: "kim", database: db)
        }
        let entity = EndEntity(id: "www", kind: .service, attributes: .init(commonName: "www.acme.example"))
        _ = try await changes.saveEntity(entity, realm: "acme", existing: nil, by: "kim", database: db)
        #expect(
            try Self.published(db) == [
                "clm.registry.realm.v1 realm/acme", "clm.registry.policy.v1 policy/acme/web-server/1",
                "clm.registry.policy.v1 policy/acme/web-server/2", "clm.registry.end-entity.v1 end-entity/acme/www",
            ])
        #expect(try db.database.scalar("SELECT count(*) FROM registry.audit WHERE realm = 'acme'") == "3")
    }

    @Test("members are granted and removed; a CA named by a policy cannot be taken from the realm")
    func accessWrites() async throws {
        let (db, changes, access) = try await Self.prepared()
        defer { db.stop() }
        _ = try await changes.createRealm(id: "acme", displayName: "ACME", cas: nil, by: "admin", database: db)
        let granted = try await access.saveMember(
            realm: "acme", subject: "lee@acme.example", roles: ["approver"], by: "kim", database: db)
        let removed = try await access.saveMember(
            realm: "acme", subject: "lee@acme.example", roles: [], by: "kim", database: db)
        #expect((granted.revision, removed.revision, removed.roles) == (1, 2, []))
        await #expect(throws: Problem.notFound("")) {
            try await access.saveMember(realm: "acme", subject: "nobody", roles: [], by: "kim", database: db)
        }
        let added = try await access.changeCAs(realm: "acme", ca: "rsa", by: "admin", database: db) { cas, ca, _ in
            RegistryRules.adding(ca, to: cas)
        }
        #expect(added == ["default", "rsa"])
        _ = try await changes.savePolicy(
            try Self.policy(ca: "rsa"), realm: "acme", existing: nil, by: "kim", database: db)
        await #expect(throws: Problem.conflict("ca-in-use", "")) {
            try await access.changeCAs(realm: "acme", ca: "rsa", by: "admin", database: db) { cas, ca, usedBy in
                try RegistryRules.removing(ca, from: cas, usedBy: usedBy)
            }
        }
        #expect(try db.database.scalar("SELECT cas FROM registry.realms WHERE id = 'acme'") == "{default,rsa}")
    }
}
