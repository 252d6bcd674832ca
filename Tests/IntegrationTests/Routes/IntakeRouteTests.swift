import CLMContracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Intake

/// Intake's request routes in-process (`app.test(.router)`) with the runner's middleware, over
/// a real PostgreSQL whose read model holds realm `acme`, policy `web-server` v1 and entity
/// `www` (seeded like `SubmitRequestTests`), and real tokens of the test identity provider.
@Suite("Intake routes in-process", .serialized, .timeLimit(.minutes(3)))
struct IntakeRouteTests {
    typealias Service = InProcessService<IntakeModule>
    static let realm = SubmitRequestTests.realm
    static let path = "/v1/realms/\(realm)/requests"
    static let kim = "kim@test.example"
    static let lee = "lee@test.example"

    static func requester(_ subject: String = kim) throws -> String {
        try RouteCall.token(subject, roles: [realm: ["requester"]])
    }

    /// A started intake whose read model knows the demo realm, policy and entity, and a CSR.
    static func prepared(_ body: (Service, String) async throws -> Void) async throws {
        let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
        try await Service.with { service in
            try await DemoReadModel.seed(realm: realm, in: service.db)
            try await body(service, csr)
        }
    }

    static func submit(
        _ client: some TestClientProtocol, _ body: SubmitRequestBody, token: String?, key: String? = nil,
        realm: String = realm
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await RouteCall.send(
            client, .post, "/v1/realms/\(realm)/requests", token: token, json: body, headers: headers)
    }

    static func body(_ csr: String, policy: String = "web-server") -> SubmitRequestBody {
        SubmitRequestBody(policy: policy, entities: ["www"], csr: csr)
    }

    @Test("a submission is 202 with its RequestView; the same idempotency key answers 200 with the same id")
    func submits() async throws {
        try await Self.prepared { service, csr in
            try await service.application().test(.router) { client in
                let token = try Self.requester()
                let first = try await Self.submit(client, Self.body(csr), token: token, key: "k-1")
                #expect(first.status == .accepted)
                let view = try RouteCall.decode(RequestView.self, first)
                #expect(view.realm == Self.realm && view.requester == Self.kim && view.state == .submitted)
                #expect(view.policy == "web-server" && view.policyVersion == 1 && view.approvalMode == .automatic)
                #expect(view.alternativeNames.count == 2, "the SANs come from the end entity, not the CSR")

                let replay = try await Self.submit(client, Self.body(csr), token: token, key: "k-1")
                #expect(replay.status == .ok)
                #expect(try RouteCall.decode(RequestView.self, replay).id == view.id)

                let other = try await Self.submit(client, Self.body(csr), token: token, key: "k-2")
                #expect(other.status == .accepted)
                #expect(try RouteCall.decode(RequestView.self, other).id != view.id)
            }
            #expect(try service.db.database.scalar("SELECT count(*) FROM intake.requests") == "2")
        }
    }

    @Test("GET one and the list: a requester sees only their own; another requester's request is 404")
    func reads() async throws {
        try await Self.prepared { service, csr in
            try await service.application().test(.router) { client in
                let kim = try Self.requester()
                let lee = try Self.requester(Self.lee)
                let created = try await Self.submit(client, Self.body(csr), token: kim)
                let id = try RouteCall.decode(RequestView.self, created).id
                _ = try await Self.submit(client, Self.body(csr), token: lee)

                let one = try await RouteCall.send(client, .get, "\(Self.path)/\(id.uuidString)", token: kim)
                #expect(one.status == .ok)
                let view = try RouteCall.decode(RequestView.self, one)
                #expect(view.id == id && view.history?.first?.state == .submitted)

                let list = try await RouteCall.send(client, .get, Self.path, token: kim)
                #expect(try RouteCall.decode([RequestView].self, list).map(\.id) == [id])
                let auditor = try RouteCall.token("audrey@test.example", roles: [Self.realm: ["auditor"]])
                let all = try await RouteCall.send(client, .get, Self.path, token: auditor)
                #expect(try RouteCall.decode([RequestView].self, all).count == 2, "an auditor sees every request")

                let others = try await RouteCall.send(client, .get, "\(Self.path)/\(id.uuidString)", token: lee)
                #expect(others.status == .notFound)
                #expect(try RouteCall.problem(others).code == "not-found")
                let malformed = try await RouteCall.send(client, .get, "\(Self.path)/nope", token: kim)
                #expect(malformed.status == .notFound)

                let badState = try await RouteCall.send(client, .get, "\(Self.path)?state=nope", token: kim)
                #expect(badState.status == .badRequest)
                #expect(try RouteCall.problem(badState).code == "invalid-query")
            }
        }
    }
}

extension IntakeRouteTests {
    @Test("refusals carry their code: malformed CSR 422, bad body 400, unknown policy 422, oversized 413")
    func refusals() async throws {
        try await Self.prepared { service, csr in
            try await service.application().test(.router) { client in
                let token = try Self.requester()
                let badCSR = try await Self.submit(client, Self.body("not a csr"), token: token)
                #expect(badCSR.status == .unprocessableContent)
                #expect(try RouteCall.problem(badCSR).code == "invalid-csr")

                let malformed = try await RouteCall.send(
                    client, .post, Self.path, token: token, bytes: Array(#"{"policy":"web-server"}"#.utf8))
                #expect(malformed.status == .badRequest)
                #expect(try RouteCall.problem(malformed).code == "malformed-body")

                // Waits out the read model's grace period (5 s) before answering.
                let unknown = try await Self.submit(client, Self.body(csr, policy: "nope"), token: token)
                #expect(unknown.status == .unprocessableContent)
                let problem = try RouteCall.problem(unknown)
                #expect(problem.code == "unknown-policy" && problem.detail.contains("'nope'"))

                let huge = Self.body(String(repeating: "A", count: 130 * 1024))
                let tooLarge = try await Self.submit(client, huge, token: token)
                #expect(tooLarge.status == .contentTooLarge)
                #expect(try RouteCall.problem(tooLarge).code == "body-too-large")
            }
            #expect(try service.db.database.scalar("SELECT count(*) FROM intake.requests") == "0")
            #expect(
                try service.db.database.scalar(
                    "SELECT count(*) FROM intake.outbox WHERE event_type = 'clm.request.submitted.v1'") == "0")
        }
    }

    @Test("a foreign realm is 404, a caller without the requester role 403, no token 401")
    func access() async throws {
        try await Self.prepared { service, csr in
            try await service.application().test(.router) { client in
                let outsider = try RouteCall.token("eve@test.example", roles: ["other": ["requester"]])
                let foreign = try await Self.submit(client, Self.body(csr), token: outsider)
                #expect(foreign.status == .notFound)
                #expect(try RouteCall.problem(foreign).detail == "realm 'acme' not found")
                let list = try await RouteCall.send(client, .get, Self.path, token: outsider)
                #expect(list.status == .notFound)

                let approver = try RouteCall.token("bob@test.example", roles: [Self.realm: ["approver"]])
                let denied = try await Self.submit(client, Self.body(csr), token: approver)
                #expect(denied.status == .forbidden)
                #expect(try RouteCall.problem(denied).code == "forbidden")

                let anonymous = try await Self.submit(client, Self.body(csr), token: nil)
                #expect(anonymous.status == .unauthorized)
                #expect(try RouteCall.problem(anonymous).code == "unauthenticated")
                let anonymousList = try await RouteCall.send(client, .get, Self.path, token: nil)
                #expect(anonymousList.status == .unauthorized)
            }
            #expect(try service.db.database.scalar("SELECT count(*) FROM intake.requests") == "0")
        }
    }
}
