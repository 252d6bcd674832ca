import CLMClient
import CLMContracts
import Foundation
import Testing

/// The rule for text (decision 0021) over the real stack: a NUL and a C0 control in every text
/// field of every body of the registry, intake, approval, keygen and the CA gateway, one field
/// at a time, each a 422 `invalid-text` naming the field — never a 500 — and nothing stored.
@Suite("Hostile text", .serialized, .timeLimit(.minutes(8)))
struct HostileTextTests {
    /// One endpoint and a valid body for it, whose every string is poisoned in turn.
    struct Call {
        var name: String
        var client: CLMClient
        var method: String
        var path: String
        var body: JSONValue
    }

    /// The characters put in the middle of each string: NUL (PostgreSQL's 22P05) and ESC.
    static let poisons = ["\u{0}", "\u{1B}"]

    /// The path of every string in `value`, member names in order.
    static func strings(in value: JSONValue, at path: [JSONPath.Component] = []) -> [[JSONPath.Component]] {
        switch value {
        case .string: [path]
        case .array(let elements): elements.enumerated().flatMap { strings(in: $1, at: path + [.index($0)]) }
        case .object(let members):
            members.sorted { $0.key < $1.key }.flatMap { strings(in: $1, at: path + [.member($0)]) }
        case .null, .bool, .number: []
        }
    }

    /// `value` with `poison` put in the middle of the string at `path`.
    static func poisoned(_ value: JSONValue, at path: ArraySlice<JSONPath.Component>, _ poison: String) -> JSONValue {
        switch (value, path.first) {
        case (.string(let text), nil):
            let middle = text.index(text.startIndex, offsetBy: text.count / 2)
            return .string(String(text[..<middle]) + poison + String(text[middle...]))
        case (.object(var members), .member(let name)?):
            members[name] = poisoned(members[name] ?? .null, at: path.dropFirst(), poison)
            return .object(members)
        case (.array(var elements), .index(let index)?):
            elements[index] = poisoned(elements[index], at: path.dropFirst(), poison)
            return .array(elements)
        default:
            return value
        }
    }

    static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONValue.parse(Array(try ContractCoding.encoder().encode(value)), maximumDepth: 64)
    }

    /// A policy that uses every text field a policy has.
    static var richPolicy: PolicyDocument {
        Workflow.policy(id: "rich") { policy in
            policy.displayName = "Rich policy"
            policy.keyRetention = "7d"
            policy.expiryWarnings = ["30d", "7d"]
            policy.certificatePolicies = ["1.3.6.1.4.1.99999.1"]
            policy.approval = .init(mode: .manual, approvers: 2, expiresAfter: "72h")
            policy.constraints = SubjectConstraints(
                attributes: [
                    "commonName": .init(presence: .required, pattern: "^[a-z.]+$"),
                    "organization": .init(value: "Test Org"),
                ],
                allowedDNSSuffixes: ["test.example"], allowedEmailDomains: ["test.example"],
                allowedIPRanges: ["10.0.0.0/8"])
        }
    }

    /// An end entity with every attribute set.
    static var richEntity: EndEntity {
        EndEntity(
            id: "rich", kind: .person,
            attributes: .init(
                commonName: "www.test.example", email: "a@test.example", organization: "Test Org",
                organizationalUnit: "Ops", country: "DE", locality: "Berlin", state: "Berlin",
                dnsNames: ["www.test.example"], ipAddresses: ["10.0.0.1"], uris: ["https://test.example/a"]))
    }
}

extension HostileTextTests {
    /// Every body of the API that holds text, valid as it stands, with a client allowed to send it.
    static func calls(_ workflow: Workflow, csr: String) throws -> [Call] {
        let realm = workflow.realm
        let base = "/v1/realms/\(realm)"
        let approver = try workflow.client("approval", as: "ann@test.example", roles: ["approver"])
        let request = UUID().uuidString
        let submit = SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr, validityDays: 30)
        let generate = SubmitRequestBody(
            policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: "correct horse battery")
        func call(_ name: String, _ service: String, _ method: String, _ path: String, _ body: some Encodable) throws
            -> Call
        {
            Call(name: name, client: workflow.client(service), method: method, path: path, body: try json(body))
        }
        return [
            try call(
                "create realm", "registry", "POST", "/v1/realms",
                CreateRealmBody(id: "\(realm)-x", displayName: "X", cas: ["default"])),
            try call("create policy", "registry", "POST", "\(base)/policies", richPolicy),
            try call("new policy version", "registry", "PUT", "\(base)/policies/web-server", Workflow.policy),
            try call("create end entity", "registry", "POST", "\(base)/end-entities", richEntity),
            try call("change end entity", "registry", "PUT", "\(base)/end-entities/www", Workflow.entity),
            try call(
                "member roles", "registry", "PUT", "\(base)/members/ann%40test.example",
                MemberRolesBody(roles: ["approver", "auditor"])),
            try call("submit with a CSR", "intake", "POST", "\(base)/requests", submit),
            try call("submit with a server-side key", "intake", "POST", "\(base)/requests", generate),
            try call("preview", "intake", "POST", "\(base)/requests/preview", submit),
            try call("renew with a CSR", "intake", "POST", "\(base)/certificates/0A/renew", RenewBody(csr: csr)),
            try call(
                "renew with a server-side key", "intake", "POST", "\(base)/certificates/0A/renew",
                RenewBody(keyGeneration: "ec:P-256", keyPassword: "correct horse battery")),
            Call(
                name: "approve", client: approver, method: "POST", path: "\(base)/approvals/\(request)/approve",
                body: try json(ApproveBody(comment: "looks right"))),
            Call(
                name: "decline", client: approver, method: "POST", path: "\(base)/approvals/\(request)/decline",
                body: try json(DeclineBody(reason: "wrong name"))),
            try call(
                "key bundle", "keygen", "POST", "\(base)/requests/\(request)/key-bundle",
                KeyBundleBody(password: "correct horse battery")),
            try call(
                "revoke by serial", "ca-gateway", "POST", "\(base)/certificates/0A/revoke",
                RevokeBody(reason: .keyCompromise, comment: "key was on a stolen laptop")),
            try call(
                "revoke by request", "ca-gateway", "POST", "\(base)/requests/\(request)/revoke",
                RevokeBody(reason: .superseded, comment: "replaced")),
            try call(
                "CA availability", "ca-gateway", "PUT", "/v1/cas/default/availability",
                CAAvailabilityBody(available: true, reason: "maintenance over")),
        ]
    }

    /// Query parameters of list calls, with a NUL or ESC (percent-encoded) in the value.
    static func queries(_ workflow: Workflow) -> [(CLMClient, String, String)] {
        let base = "/v1/realms/\(workflow.realm)"
        return [
            (workflow.intake, "\(base)/requests?state=pending%00", "query.state"),
            (workflow.client("approval"), "\(base)/approvals?state=%1Ball", "query.state"),
            (workflow.client("ca-gateway"), "\(base)/certificates?q=www%00", "query.q"),
            (workflow.client("ca-gateway"), "\(base)/certificates?requester=a%00b&limit=5", "query.requester"),
            (workflow.client("ca-gateway"), "\(base)/certificates/export?format=csv&q=%07", "query.q"),
            (workflow.registry, "\(base)/policies?x=%00", "query.x"),
            (
                workflow.client("keygen"), "\(base)/requests/\(UUID().uuidString)/key-bundle?format=pem%00",
                "query.format"
            ),
        ]
    }

    @Test(
        "a NUL and an ESC in every text field of every body, and in query parameters: 422 naming the field, nothing stored"
    )
    func everyField() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let before = try Self.stored(stack)
            var problems: [String] = []
            var sent = 0
            for call in try Self.calls(workflow, csr: csr) {
                let fields = Self.strings(in: call.body)
                #expect(!fields.isEmpty, "\(call.name) has no text field")
                for field in fields {
                    for poison in Self.poisons {
                        let body = Self.poisoned(call.body, at: field[...], poison)
                        let answer = try await call.client.send(call.method, call.path, body: Data(body.serialized))
                        sent += 1
                        let expected = "\(JSONPath(field)): contains \(poison == "\u{0}" ? "U+0000" : "U+001B")"
                        if answer.status != 422 || answer.problem?.code != "invalid-text"
                            || answer.problem?.detail.hasPrefix(expected) != true
                        {
                            problems.append(
                                "\(call.name) \(JSONPath(field)): \(answer.status) \(answer.text.prefix(300))")
                        }
                    }
                }
                // A member name with a NUL, at the top of the body.
                guard case .object(var members) = call.body else { continue }
                members["bad\u{0}name"] = .string("x")
                let answer = try await call.client.send(
                    call.method, call.path, body: Data(JSONValue.object(members).serialized))
                sent += 1
                if answer.status != 422
                    || answer.problem?.detail.hasPrefix("body: a member name contains U+0000") != true
                {
                    problems.append("\(call.name) member name: \(answer.status) \(answer.text.prefix(300))")
                }
            }
            for (client, path, field) in Self.queries(workflow) {
                let answer = try await client.send("GET", path)
                sent += 1
                if answer.status != 422 || answer.problem?.detail.hasPrefix("\(field): ") != true {
                    problems.append("GET \(path): \(answer.status) \(answer.text.prefix(300))")
                }
            }
            // A member subject in the path keeps its own grammar: refused, never a 500.
            let subject = try await workflow.registry.send(
                "PUT", "/v1/realms/\(workflow.realm)/members/a%00b", json: MemberRolesBody(roles: ["approver"]))
            sent += 1
            if !(400..<500).contains(subject.status) {
                problems.append("member a%00b: \(subject.status) \(subject.text)")
            }

            print("hostile text: \(sent) inputs over HTTP, \(problems.count) not refused as expected")
            #expect(sent >= 150, "only \(sent) hostile inputs")
            #expect(problems.isEmpty, "\(problems.count) of \(sent):\n\(problems.joined(separator: "\n"))")
            #expect(try Self.stored(stack) == before)
            try await Self.expectHealthy(stack)
        }
    }

    /// What the hostile calls could have stored, counted.
    static func stored(_ stack: TestStack) throws -> [String] {
        try [
            "registry.realms", "registry.policies", "registry.end_entities", "registry.realm_members",
            "intake.requests", "approval.votes", "ca_gateway.revocations", "registry.audit", "intake.audit",
            "approval.audit", "keygen.audit", "ca_gateway.audit",
        ].map { "\($0): \(try stack.database.scalar("SELECT count(*) FROM \($0)"))" }
    }

    /// Every service alive, and none with an unhandled error (the 500 of a 22P05) in its log.
    static func expectHealthy(_ stack: TestStack) async throws {
        for name in TestStack.names {
            #expect(try await stack.client(name, token: nil).send("GET", "/health/live").status == 200, "\(name) died")
            let log = stack[name].log
            #expect(!log.contains("unhandled error") && !log.contains("22P05"), "\(name) logged an unhandled error")
            #expect(!log.contains("Fatal error"), "\(name) trapped")
        }
    }
}
