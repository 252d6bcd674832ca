import CLMContracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Registry
import Testing

/// The registry's routes in-process (`app.test(.router)`) with the runner's middleware, over a
/// real PostgreSQL and real tokens of the test identity provider.
@Suite("Registry routes in-process", .serialized, .timeLimit(.minutes(3)))
struct RegistryRouteTests {
    typealias Service = InProcessService<RegistryModule>
    static let realm = "acme"
    static let admin = "admin@test.example"
    static let realmAdmin = "ra@test.example"
    static let kim = "kim@test.example"

    static func adminToken() throws -> String { try RouteCall.token(admin, platformAdmin: true) }
    static func realmAdminToken() throws -> String { try RouteCall.token(realmAdmin, roles: [realm: ["realm-admin"]]) }

    /// Creates `realm` as the platform admin; returns the answer.
    @discardableResult
    static func createRealm(_ client: some TestClientProtocol, _ id: String = realm) async throws -> TestResponse {
        try await RouteCall.send(
            client, .post, "/v1/realms", token: try adminToken(), json: CreateRealmBody(id: id, displayName: "ACME"))
    }

    @Test("a platform admin creates a realm (201); others are 403; a duplicate is 409; bad bodies 400/413")
    func createRealm() async throws {
        try await Service.with { service in
            try await service.application().test(.router) { client in
                let created = try await Self.createRealm(client)
                #expect(created.status == .created)
                let snapshot = try RouteCall.decode(RealmSnapshot.self, created)
                #expect(snapshot.realm == Self.realm && snapshot.displayName == "ACME" && snapshot.cas == ["default"])

                let read = try await RouteCall.send(client, .get, "/v1/realms/acme", token: try Self.adminToken())
                #expect(read.status == .ok)
                #expect(try RouteCall.decode(RealmSnapshot.self, read).realm == Self.realm)

                let denied = try await RouteCall.send(
                    client, .post, "/v1/realms", token: try Self.realmAdminToken(),
                    json: CreateRealmBody(id: "beta", displayName: "Beta"))
                #expect(denied.status == .forbidden)
                #expect(try RouteCall.problem(denied).code == "forbidden")

                let duplicate = try await Self.createRealm(client)
                #expect(duplicate.status == .conflict)
                #expect(try RouteCall.problem(duplicate).code == "realm-exists")

                let malformed = try await RouteCall.send(
                    client, .post, "/v1/realms", token: try Self.adminToken(), bytes: Array("not json".utf8))
                #expect(malformed.status == .badRequest)
                #expect(try RouteCall.problem(malformed).code == "malformed-body")

                let large = CreateRealmBody(id: "big", displayName: String(repeating: "x", count: 17 * 1024))
                let tooLarge = try await RouteCall.send(
                    client, .post, "/v1/realms", token: try Self.adminToken(), json: large)
                #expect(tooLarge.status == .contentTooLarge)
                #expect(try RouteCall.problem(tooLarge).code == "body-too-large")
            }
            #expect(try service.db.database.query("SELECT id FROM registry.realms") == [Self.realm])
        }
    }

    @Test("policies: create 201 (v1), PUT a new version 200 (v2), list and versions decode; invalid is 422")
    func policies() async throws {
        try await Service.with { service in
            try await service.application().test(.router) { client in
                try await Self.createRealm(client)
                let token = try Self.realmAdminToken()
                let base = "/v1/realms/acme/policies"
                let created = try await RouteCall.send(client, .post, base, token: token, json: Workflow.policy)
                #expect(created.status == .created)
                let first = try RouteCall.decode(PolicySnapshot.self, created)
                #expect(first.realm == Self.realm && first.policy == "web-server" && first.version == 1)
                #expect(first.document.approval.mode == .automatic)

                let again = try await RouteCall.send(client, .post, base, token: token, json: Workflow.policy)
                #expect(again.status == .conflict)
                #expect(try RouteCall.problem(again).code == "policy-exists")

                let changed = Workflow.policy(id: "web-server") { $0.validity = .init(defaultDays: 30, maxDays: 90) }
                let updated = try await RouteCall.send(client, .put, "\(base)/web-server", token: token, json: changed)
                #expect(updated.status == .ok)
                #expect(try RouteCall.decode(PolicySnapshot.self, updated).version == 2)

                let list = try await RouteCall.send(client, .get, base, token: token)
                let latest = try RouteCall.decode([PolicySnapshot].self, list)
                #expect(latest.map(\.version) == [2] && latest.first?.document.validity.maxDays == 90)
                let versions = try await RouteCall.send(client, .get, "\(base)/web-server/versions", token: token)
                #expect(try RouteCall.decode([PolicySnapshot].self, versions).map(\.version).sorted() == [1, 2])
                let one = try await RouteCall.send(client, .get, "\(base)/web-server/versions/1", token: token)
                #expect(try RouteCall.decode(PolicySnapshot.self, one).document.validity.maxDays == 397)

                let unknownCA = Workflow.policy(id: "other-ca") { $0.ca = "nope" }
                let refused = try await RouteCall.send(client, .post, base, token: token, json: unknownCA)
                #expect(refused.status == .unprocessableContent)
                let problem = try RouteCall.problem(refused)
                #expect(problem.code == "invalid-policy" && problem.violations?.count == 1)
                #expect(problem.violations?.first?.hasPrefix("/ca: 'nope'") == true)

                let invalid = Workflow.policy(id: "bad") { $0.validity = .init(defaultDays: 500, maxDays: 90) }
                let rejected = try await RouteCall.send(client, .post, base, token: token, json: invalid)
                #expect(rejected.status == .unprocessableContent)
                #expect(try RouteCall.problem(rejected).violations?.isEmpty == false)
            }
        }
    }

    @Test("end entities: create 201 (revision 1), PUT 200 (revision 2); a duplicate is 409")
    func entities() async throws {
        try await Service.with { service in
            try await service.application().test(.router) { client in
                try await Self.createRealm(client)
                let token = try Self.realmAdminToken()
                let base = "/v1/realms/acme/end-entities"
                let created = try await RouteCall.send(client, .post, base, token: token, json: Workflow.entity)
                #expect(created.status == .created)
                let first = try RouteCall.decode(EndEntitySnapshot.self, created)
                #expect(first.revision == 1 && first.entity == Workflow.entity)

                let duplicate = try await RouteCall.send(client, .post, base, token: token, json: Workflow.entity)
                #expect(duplicate.status == .conflict)
                #expect(try RouteCall.problem(duplicate).code == "end-entity-exists")

                var changed = Workflow.entity
                changed.attributes.organization = "Other Org"
                let updated = try await RouteCall.send(client, .put, "\(base)/www", token: token, json: changed)
                #expect(updated.status == .ok)
                let second = try RouteCall.decode(EndEntitySnapshot.self, updated)
                #expect(second.revision == 2 && second.entity.attributes.organization == "Other Org")

                let list = try await RouteCall.send(client, .get, base, token: token)
                #expect(try RouteCall.decode([EndEntitySnapshot].self, list).map(\.revision) == [2])
            }
        }
    }
}

extension RegistryRouteTests {
    @Test("members: PUT 200 and GET decode a MemberSnapshot whose roles then count; DELETE 204, then 404")
    func members() async throws {
        try await Service.with { service in
            try await service.application().test(.router) { client in
                try await Self.createRealm(client)
                let token = try Self.realmAdminToken()
                let path = "/v1/realms/acme/members/kim%40test.example"
                let kim = try RouteCall.token(Self.kim)
                let before = try await RouteCall.send(client, .get, "/v1/realms/acme/policies", token: kim)
                #expect(before.status == .notFound, "without a role the realm is not visible")

                let saved = try await RouteCall.send(
                    client, .put, path, token: token, json: MemberRolesBody(roles: ["requester"]))
                #expect(saved.status == .ok)
                let member = try RouteCall.decode(MemberSnapshot.self, saved)
                #expect(member.subject == Self.kim && member.roles == ["requester"] && member.revision == 1)
                let read = try await RouteCall.send(client, .get, path, token: token)
                #expect(try RouteCall.decode(MemberSnapshot.self, read).roles == ["requester"])
                let list = try await RouteCall.send(client, .get, "/v1/realms/acme/members", token: token)
                #expect(try RouteCall.decode([MemberSnapshot].self, list).map(\.subject) == [Self.kim])
                let granted = try await RouteCall.send(client, .get, "/v1/realms/acme/policies", token: kim)
                #expect(granted.status == .ok, "the membership grants a role in the realm")

                let invalid = try await RouteCall.send(
                    client, .put, path, token: token, json: MemberRolesBody(roles: ["platform-admin"]))
                #expect(invalid.status == .badRequest)
                #expect(try RouteCall.problem(invalid).code == "invalid-field")
                let removed = try await RouteCall.send(client, .delete, path, token: token)
                #expect(removed.status == .noContent)
                let gone = try await RouteCall.send(client, .get, path, token: token)
                #expect(gone.status == .notFound)
                #expect(try RouteCall.problem(gone).code == "not-found")
            }
        }
    }

    @Test("realm CAs decode as a RealmCAsView; a platform admin assigns one")
    func realmCAs() async throws {
        try await Service.with { service in
            try await service.application().test(.router) { client in
                try await Self.createRealm(client)
                let read = try await RouteCall.send(
                    client, .get, "/v1/realms/acme/cas", token: try Self.realmAdminToken())
                #expect(read.status == .ok)
                #expect(
                    try RouteCall.decode(RealmCAsView.self, read) == RealmCAsView(realm: Self.realm, cas: ["default"]))

                let denied = try await RouteCall.send(
                    client, .put, "/v1/realms/acme/cas/second", token: try Self.realmAdminToken())
                #expect(denied.status == .forbidden)
                let assigned = try await RouteCall.send(
                    client, .put, "/v1/realms/acme/cas/second", token: try Self.adminToken())
                #expect(assigned.status == .ok)
                #expect(try RouteCall.decode(RealmCAsView.self, assigned).cas.sorted() == ["default", "second"])
            }
        }
    }

    @Test("a realm the caller holds no role in, or that does not exist, is 404; no token is 401")
    func access() async throws {
        try await Service.with { service in
            try await service.application().test(.router) { client in
                try await Self.createRealm(client)
                let outsider = try RouteCall.token("eve@test.example", roles: ["other": ["realm-admin"]])
                let foreign = try await RouteCall.send(client, .get, "/v1/realms/acme/policies", token: outsider)
                #expect(foreign.status == .notFound)
                #expect(try RouteCall.problem(foreign).detail == "realm 'acme' not found")
                let missing = try await RouteCall.send(client, .get, "/v1/realms/other/policies", token: outsider)
                #expect(missing.status == .notFound)
                #expect(try RouteCall.problem(missing).detail == "realm 'other' not found")
                let write = try await RouteCall.send(
                    client, .post, "/v1/realms/acme/end-entities", token: outsider, json: Workflow.entity)
                #expect(write.status == .notFound)

                let anonymous = try await RouteCall.send(client, .get, "/v1/realms/acme/policies", token: nil)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
                #expect(try RouteCall.problem(anonymous).code == "unauthenticated")
                let forged = try await RouteCall.send(client, .get, "/v1/realms", token: "not.a.token")
                #expect(forged.status == .unauthorized)
            }
            let failures = try service.db.database.scalar(
                "SELECT count(*) FROM registry.audit WHERE action = 'authentication.failed'")
            #expect(failures == "2", "the runner's middleware audits refused tokens")
        }
    }
}
