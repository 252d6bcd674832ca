import CLMClient
import CLMContracts
import Foundation
import Testing

/// Walks every realm endpoint × every role × own and foreign realm over the real services and
/// checks the status of each call against a table written out here by hand, plus the list
/// endpoints for cross-realm leaks.
@Suite("Authorization matrix", .serialized, .timeLimit(.minutes(8)))
struct AuthorizationMatrixTests {
    /// Who calls: one principal per realm role (in the own realm only), a platform admin with no
    /// realm role, and a principal whose only role is in a third realm.
    enum Caller: String, CaseIterable, CustomStringConvertible, Sendable {
        case realmAdmin = "realm-admin"
        case requester, approver, auditor
        case platformAdmin = "platform-admin"
        case stranger
        var description: String { rawValue }
        var subject: String {
            switch self {
            case .realmAdmin: "ada@test.example"
            // The requester owns the requests set up below.
            case .requester: "rita@test.example"
            case .approver: "abe@test.example"
            case .auditor: "aud@test.example"
            case .platformAdmin: "pat@test.example"
            case .stranger: "sam@test.example"
            }
        }
    }

    struct Endpoint: CustomStringConvertible, Sendable {
        var service: String
        var method: String
        /// `{realm}`, `{request}`, `{serial}` are filled in per realm.
        var path: String
        /// Realm roles that may call it; nil for the platform-wide endpoints (platform-admin only).
        var allowed: Set<Caller>?
        /// The status an allowed caller gets.
        var ok: Int
        var body: (@Sendable () -> any Encodable)?
        /// Also right for an allowed caller: a revocation is 201 the first time, 200 (the same
        /// revocation) after.
        var alsoOK: Int? = nil
        var description: String { "\(method) \(path)" }
    }

    static let everyone: Set<Caller> = [.realmAdmin, .requester, .approver, .auditor]

    /// The matrix. Mutating calls are arranged so that only one caller per realm can succeed.
    static let endpoints: [Endpoint] = [
        .init(service: "registry", method: "GET", path: "/v1/realms/{realm}", allowed: everyone, ok: 200),
        .init(service: "registry", method: "GET", path: "/v1/realms/{realm}/policies", allowed: everyone, ok: 200),
        .init(
            service: "registry", method: "GET", path: "/v1/realms/{realm}/policies/web-server", allowed: everyone,
            ok: 200),
        .init(
            service: "registry", method: "GET", path: "/v1/realms/{realm}/policies/web-server/versions",
            allowed: everyone, ok: 200),
        .init(
            service: "registry", method: "GET", path: "/v1/realms/{realm}/policies/web-server/versions/1",
            allowed: everyone, ok: 200),
        .init(service: "registry", method: "GET", path: "/v1/realms/{realm}/end-entities", allowed: everyone, ok: 200),
        .init(
            service: "registry", method: "GET", path: "/v1/realms/{realm}/end-entities/www", allowed: everyone, ok: 200),
        .init(service: "registry", method: "GET", path: "/v1/realms/{realm}/cas", allowed: everyone, ok: 200),
        .init(
            service: "registry", method: "GET", path: "/v1/realms/{realm}/members", allowed: [.realmAdmin, .auditor],
            ok: 200),
        .init(
            service: "registry", method: "POST", path: "/v1/realms/{realm}/policies", allowed: [.realmAdmin], ok: 201,
            body: { Workflow.policy(id: "p\(uniqueSuffix())") }),
        .init(
            service: "registry", method: "PUT", path: "/v1/realms/{realm}/end-entities/www", allowed: [.realmAdmin],
            ok: 200,
            body: { Workflow.entity }),
        .init(
            service: "registry", method: "PUT", path: "/v1/realms/{realm}/members/new-member", allowed: [.realmAdmin],
            ok: 200,
            body: { MemberRolesBody(roles: ["auditor"]) }),
        .init(
            service: "registry", method: "DELETE", path: "/v1/realms/{realm}/members/old-member",
            allowed: [.realmAdmin], ok: 204),
        .init(service: "registry", method: "PUT", path: "/v1/realms/{realm}/cas/default", allowed: nil, ok: 200),

        .init(service: "intake", method: "GET", path: "/v1/realms/{realm}/requests", allowed: everyone, ok: 200),
        .init(
            service: "intake", method: "GET", path: "/v1/realms/{realm}/requests/{request}", allowed: everyone, ok: 200),
        .init(
            service: "intake", method: "GET", path: "/v1/realms/{realm}/requests/{request}/certificate",
            allowed: everyone, ok: 200),
        .init(
            service: "intake", method: "POST", path: "/v1/realms/{realm}/requests", allowed: [.requester], ok: 202,
            body: {
                SubmitRequestBody(
                    policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256",
                    keyPassword: "correct horse battery")
            }),
        .init(
            service: "intake", method: "POST", path: "/v1/realms/{realm}/requests/preview", allowed: [.requester],
            ok: 200, body: { SubmitRequestBody(policy: "web-server", entities: ["www"]) }),

        .init(
            service: "approval", method: "GET", path: "/v1/realms/{realm}/approvals?state=all",
            allowed: [.realmAdmin, .approver, .auditor], ok: 200),
        .init(
            service: "approval", method: "GET", path: "/v1/realms/{realm}/approvals/{request}",
            allowed: [.realmAdmin, .approver, .auditor], ok: 200),
        // The request was approved automatically long ago: an approver's vote is a 409, not a 403.
        .init(
            service: "approval", method: "POST", path: "/v1/realms/{realm}/approvals/{request}/approve",
            allowed: [.approver], ok: 409, body: { ApproveBody() }),
        .init(
            service: "approval", method: "POST", path: "/v1/realms/{realm}/approvals/{request}/decline",
            allowed: [.approver], ok: 409,
            body: { DeclineBody(reason: "matrix") }),

        .init(
            service: "keygen", method: "POST", path: "/v1/realms/{realm}/requests/{request}/key-bundle?format=pem",
            allowed: [.requester], ok: 200, body: { KeyBundleBody(password: "correct horse battery") }),

        .init(
            service: "ca-gateway", method: "GET", path: "/v1/realms/{realm}/certificates", allowed: everyone, ok: 200),
        .init(
            service: "ca-gateway", method: "GET", path: "/v1/realms/{realm}/certificates/{serial}", allowed: everyone,
            ok: 200),
        .init(
            service: "ca-gateway", method: "GET", path: "/v1/realms/{realm}/certificates/export?format=csv",
            allowed: everyone, ok: 200),
        // Last: it revokes the requester's certificate (and so destroys its key).
        .init(
            service: "ca-gateway", method: "POST", path: "/v1/realms/{realm}/certificates/{serial}/revoke",
            allowed: [.realmAdmin, .requester], ok: 201, body: { RevokeBody(reason: .cessationOfOperation) },
            alsoOK: 200),
        .init(
            service: "ca-gateway", method: "POST", path: "/v1/realms/{realm}/requests/{request}/revoke",
            allowed: [.realmAdmin, .requester], ok: 200, body: { RevokeBody(reason: .superseded) }),
    ]

    @Test("every endpoint × role × own/foreign realm answers as the matrix says, and nothing leaks across realms")
    func matrix() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let own = try await Workflow.prepare(stack)
            let foreign = try await Workflow.prepare(stack)
            var requests: [String: String] = [:]
            var serials: [String: String] = [:]
            for workflow in [own, foreign] {
                try await workflow.expect(
                    200, "PUT", "/v1/realms/\(workflow.realm)/members/old-member", on: workflow.registry,
                    MemberRolesBody(roles: ["auditor"]))
                // The requester's own issued request with a server-generated key.
                let rita = try workflow.client("intake", as: Caller.requester.subject, roles: ["requester"])
                let body = SubmitRequestBody(
                    policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256",
                    keyPassword: "correct horse battery")
                var id = ""
                try await waitUntil("rita can submit in \(workflow.realm)") {
                    let answer = try await rita.send("POST", "/v1/realms/\(workflow.realm)/requests", json: body)
                    id = (try? answer.decode(RequestView.self))?.id.uuidString ?? ""
                    return answer.status == 202
                }
                let issued = try await workflow.waitForFinalState(id)
                #expect(issued.state == .issued)
                requests[workflow.realm] = id
                serials[workflow.realm] = issued.serialNumber
            }

            func token(_ caller: Caller) throws -> String {
                switch caller {
                case .platformAdmin: try stack.token(caller.subject, platformAdmin: true)
                case .stranger:
                    try stack.token(
                        caller.subject, roles: ["elsewhere": ["realm-admin", "requester", "approver", "auditor"]])
                default: try stack.token(caller.subject, roles: [own.realm: [caller.rawValue]])
                }
            }

            var cells = 0
            var wrong: [String] = []
            for endpoint in Self.endpoints {
                for caller in Caller.allCases {
                    let client = stack.client(endpoint.service, token: try token(caller))
                    for (realm, isOwn) in [(foreign.realm, false), (own.realm, true)] {
                        let path = endpoint.path
                            .replacingOccurrences(of: "{realm}", with: realm)
                            .replacingOccurrences(of: "{request}", with: requests[realm] ?? "")
                            .replacingOccurrences(of: "{serial}", with: serials[realm] ?? "")
                        let expected: Int
                        if let allowed = endpoint.allowed {
                            if caller == .platformAdmin && endpoint.path == "/v1/realms/{realm}" {
                                expected = 200  // platform admins see every realm's name, nothing inside
                            } else if !isOwn || caller == .platformAdmin || caller == .stranger {
                                expected = 404  // no role in that realm: as if it did not exist
                            } else {
                                expected = allowed.contains(caller) ? endpoint.ok : 403
                            }
                        } else {
                            expected = caller == .platformAdmin ? endpoint.ok : 403
                        }
                        let body = try endpoint.body.map { try ContractCoding.encoder().encode($0()) }
                        let answer = try await client.send(endpoint.method, path, body: body)
                        cells += 1
                        if answer.status != expected && !(expected == endpoint.ok && answer.status == endpoint.alsoOK) {
                            wrong.append(
                                "\(caller) \(endpoint.method) \(path): expected \(expected), got \(answer.status) \(answer.text.prefix(200))"
                            )
                        }
                        // A 404 for a hidden realm says nothing about what exists there: the
                        // reason names the realm only (`instance` merely echoes the caller's path).
                        if expected == 404 {
                            #expect(
                                answer.problem?.detail == "realm '\(realm)' not found",
                                "\(caller) \(path): \(answer.text)")
                        }
                    }
                }
            }
            #expect(wrong.isEmpty, "\(wrong.count) of \(cells) cells wrong:\n\(wrong.joined(separator: "\n"))")
            #expect(cells == Self.endpoints.count * Caller.allCases.count * 2)

            // Lists: each principal sees exactly the realms they hold a role in (platform admin: all).
            let realmList = { (caller: Caller) async throws -> Set<String> in
                let answer = try await stack.client("registry", token: try token(caller)).send("GET", "/v1/realms")
                return Set(try answer.decode([RealmSnapshot].self).map(\.realm))
            }
            for caller in [Caller.realmAdmin, .requester, .approver, .auditor] {
                #expect(try await realmList(caller) == [own.realm], "\(caller)")
            }
            #expect(try await realmList(.stranger).isEmpty)
            #expect(try await realmList(.platformAdmin).isSuperset(of: [own.realm, foreign.realm]))

            // Inventory, request list and approval list of the own realm hold nothing of the other.
            let auditor = try token(.auditor)
            for (service, path) in [
                ("ca-gateway", "/v1/realms/\(own.realm)/certificates"), ("intake", "/v1/realms/\(own.realm)/requests"),
                ("approval", "/v1/realms/\(own.realm)/approvals?state=all"),
            ] {
                let text = try await stack.client(service, token: auditor).send("GET", path).text
                #expect(
                    !text.contains(requests[foreign.realm]!) && !text.contains(foreign.realm),
                    "\(path): \(text.prefix(300))")
                if let serial = serials[foreign.realm] {
                    #expect(!text.contains(serial), "\(path) lists a foreign serial")
                }
            }
            // The requester's request list holds only their own requests; others' are hidden.
            let ada = stack.client(
                "intake", token: try stack.token("ada2@test.example", roles: [own.realm: ["requester"]]))
            let adaList = try await ada.send("GET", "/v1/realms/\(own.realm)/requests")
            #expect(adaList.status == 200 && !adaList.text.contains(requests[own.realm]!))
            #expect(try await ada.send("GET", "/v1/realms/\(own.realm)/requests/\(requests[own.realm]!)").status == 404)
        }
    }
}
