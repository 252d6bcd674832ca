import CLMStorage
import Testing

@Suite("Migrator.plan")
struct MigratorPlanTests {
    static func migration(_ owner: String, _ version: Int) -> Migration {
        Migration(owner: owner, version: version, name: "\(owner) \(version)", statements: [])
    }

    @Test("owners in the order the list names them first, each owner's migrations by version")
    func order() {
        let list = [
            Self.migration("outbox", 2), Self.migration("outbox", 1), Self.migration("audit", 1),
            Self.migration("service", 3), Self.migration("service", 2), Self.migration("outbox", 3),
        ]
        #expect(
            Migrator.plan(list, applied: []).map(\.id.description)
                == ["outbox/1", "outbox/2", "outbox/3", "audit/1", "service/2", "service/3"])
    }

    @Test("applied migrations are left out; the same version of two owners are two migrations")
    func applied() {
        let list = [Self.migration("outbox", 1), Self.migration("audit", 1), Self.migration("service", 1)]
        let pending = Migrator.plan(
            list, applied: [.init(owner: "outbox", version: 1), .init(owner: "service", version: 1)])
        #expect(pending.map(\.id.description) == ["audit/1"])
    }

    @Test("global version numbers from before owners map to the shared owners, the rest to the service")
    func legacy() {
        #expect(Migrator.legacyID(1).description == "outbox/1")
        #expect(Migrator.legacyID(102).description == "outbox/2")
        #expect(Migrator.legacyID(100).description == "realm-members/1")
        #expect(Migrator.legacyID(101).description == "audit/1")
        #expect(Migrator.legacyID(3).description == "service/3")
    }
}
