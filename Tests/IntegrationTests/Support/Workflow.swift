import CLMClient
import CLMContracts
import Foundation
import Testing

/// Steps of the issuance workflow, driven over HTTP against the test stack.
struct Workflow {
    let stack: TestStack
    let realm: String
    /// The test's own principal: platform admin, and realm admin, requester and auditor of
    /// its realm (never approver, so approvals always need someone else).
    let token: String
    static let subject = "tester@test.example"

    var registry: CLMClient { client("registry") }
    var intake: CLMClient { client("intake") }

    init(stack: TestStack, realm: String) throws {
        self.stack = stack
        self.realm = realm
        self.token = try stack.token(
            Self.subject, platformAdmin: true, roles: [realm: ["realm-admin", "requester", "auditor"]])
    }

    /// A client of `service` acting as the test's principal.
    func client(_ service: String) -> CLMClient { stack.client(service, token: token) }

    /// A client of `service` acting as `subject` with `roles` in the test's realm.
    func client(_ service: String, as subject: String, roles: Set<String>) throws -> CLMClient {
        stack.client(service, token: try stack.token(subject, roles: [realm: roles]))
    }

    static var policy: PolicyDocument {
        PolicyDocument(
            id: "web-server", ca: "default",
            keyTemplate: .init(rsaBits: [2048, 3072], ecCurves: ["P-256", "P-384"], eddsa: ["Ed25519"]),
            validity: .init(defaultDays: 90, maxDays: 397),
            profile: .init(keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth", "clientAuth"]),
            approval: .init(mode: .automatic))
    }

    /// `policy` under another id, with `change` applied.
    static func policy(id: String, _ change: (inout PolicyDocument) -> Void = { _ in }) -> PolicyDocument {
        var policy = Self.policy
        policy.id = id
        change(&policy)
        return policy
    }

    static var entity: EndEntity {
        EndEntity(
            id: "www", kind: .service,
            attributes: .init(
                commonName: "www.test.example", organization: "Test Org", country: "DE",
                dnsNames: ["www.test.example", "api.test.example"]))
    }

    /// Creates the realm, the policy and the end entity.
    static func prepare(_ stack: TestStack, realm: String = "r\(uniqueSuffix())") async throws -> Workflow {
        let workflow = try Workflow(stack: stack, realm: realm)
        try await workflow.expect(
            201, "POST", "/v1/realms", on: workflow.registry, CreateRealmBody(id: realm, displayName: "Test realm"))
        try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, policy)
        try await workflow.expect(201, "POST", "/v1/realms/\(realm)/end-entities", on: workflow.registry, entity)
        return workflow
    }

    /// Sends `body` as JSON; throws unless the answer has `status`.
    @discardableResult
    func expect<Body: Encodable>(
        _ status: Int, _ method: String, _ path: String, on client: CLMClient, _ body: Body,
        headers: [String: String] = [:]
    ) async throws -> CLMClient.Answer {
        try await expect(
            status, method, path, on: client, data: try ContractCoding.encoder().encode(body), headers: headers)
    }

    /// Sends a call without a body; throws unless the answer has `status`.
    @discardableResult
    func expect(
        _ status: Int, _ method: String, _ path: String, on client: CLMClient, headers: [String: String] = [:]
    ) async throws -> CLMClient.Answer {
        try await expect(status, method, path, on: client, data: nil, headers: headers)
    }

    private func expect(
        _ status: Int, _ method: String, _ path: String, on client: CLMClient, data: Data?, headers: [String: String]
    ) async throws -> CLMClient.Answer {
        let answer = try await client.send(method, path, body: data, headers: headers)
        guard answer.status == status else {
            throw TestSetupError("\(method) \(path): expected \(status), got \(answer.status): \(answer.text)")
        }
        return answer
    }

    /// Submits a CSR; returns the request id (as the API writes it).
    func submit(csr: String, headers: [String: String] = [:]) async throws -> String {
        try await submit(SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr), headers: headers)
            .id.uuidString
    }

    /// Submits a request body expecting 202 (see `post` for the read-model retry).
    func submit(_ body: SubmitRequestBody, headers: [String: String] = [:]) async throws -> RequestView {
        let answer = try await post(body, headers: headers)
        guard answer.status == 202 else {
            throw TestSetupError("submit: expected 202, got \(answer.status): \(answer.text)")
        }
        return try answer.decode(RequestView.self)
    }

    /// Posts a request body and returns the answer, retrying while intake's read model has not
    /// yet caught up with the realm, policy or end entity the test just created (on a loaded
    /// machine that can take longer than intake's own grace period).
    func post(_ body: SubmitRequestBody, headers: [String: String] = [:]) async throws -> CLMClient.Answer {
        let data = try ContractCoding.encoder().encode(body)
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let answer = try await intake.send("POST", "/v1/realms/\(realm)/requests", body: data, headers: headers)
            let code = answer.problem?.code ?? ""
            guard ["unknown-policy", "unknown-policy-version", "unknown-end-entity", "not-found"].contains(code),
                ContinuousClock.now < deadline
            else { return answer }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The request as intake shows it now.
    func request(_ id: String) async throws -> RequestView {
        try await expect(200, "GET", "/v1/realms/\(realm)/requests/\(id)", on: intake).decode(RequestView.self)
    }

    /// Polls until the request is in a final state; returns it.
    func waitForFinalState(_ id: String, timeout: Duration = .seconds(90)) async throws -> RequestView {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer"
        while ContinuousClock.now < deadline {
            if let answer = try? await intake.send("GET", "/v1/realms/\(realm)/requests/\(id)"), answer.status == 200 {
                last = answer.text
                if let view = try? answer.decode(RequestView.self), view.state.isFinal { return view }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestSetupError("request \(id) not final after \(timeout): \(last)")
    }
}

/// OpenSSL on the command line, as a user would run it.
enum OpenSSL {
    static let path = "/usr/bin/openssl"

    /// A fresh key and a CSR that asks for things CLM must ignore: another subject, extra
    /// SANs, CA:true and a challenge password.
    static func hostileCSR(directory: URL) throws -> String {
        let key = directory.appendingPathComponent("key-\(uniqueSuffix()).pem").path
        let csr = directory.appendingPathComponent("csr-\(uniqueSuffix()).pem").path
        let config = directory.appendingPathComponent("req-\(uniqueSuffix()).cnf")
        try """
        [req]
        distinguished_name = dn
        attributes = attrs
        prompt = no
        req_extensions = ext
        [dn]
        CN = evil.attacker.example
        O = Attacker Inc
        [attrs]
        challengePassword = sesame1234
        [ext]
        basicConstraints = critical, CA:TRUE
        subjectAltName = DNS:evil.attacker.example, DNS:*.bank.example, IP:10.0.0.1
        keyUsage = critical, keyCertSign
        """.write(to: config, atomically: true, encoding: .utf8)
        let result = try run(
            path,
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-config", config.path, "-out", csr,
            ])
        guard result.status == 0 else { throw TestSetupError("openssl req failed: \(result.stderr)") }
        return try String(contentsOfFile: csr, encoding: .utf8)
    }

    static func text(of certificatePEM: String) throws -> String {
        let result = try run(path, ["x509", "-noout", "-text"], input: certificatePEM)
        guard result.status == 0 else { throw TestSetupError("openssl x509 failed: \(result.stderr)") }
        return result.stdout
    }

    /// `openssl verify` of a leaf against the published chain (issuing CA untrusted, root trusted).
    static func verify(leaf: String, chain: String, directory: URL) throws -> (Bool, String) {
        let blocks = chain.components(separatedBy: "-----END CERTIFICATE-----")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { $0 + "\n-----END CERTIFICATE-----\n" }
        guard blocks.count == 2 else { return (false, "expected issuing + root, got \(blocks.count) certificates") }
        let suffix = uniqueSuffix()
        let issuing = directory.appendingPathComponent("issuing-\(suffix).pem")
        let root = directory.appendingPathComponent("root-\(suffix).pem")
        let leafFile = directory.appendingPathComponent("leaf-\(suffix).pem")
        try blocks[0].write(to: issuing, atomically: true, encoding: .utf8)
        try blocks[1].write(to: root, atomically: true, encoding: .utf8)
        try leaf.write(to: leafFile, atomically: true, encoding: .utf8)
        let result = try run(
            path, ["verify", "-x509_strict", "-CAfile", root.path, "-untrusted", issuing.path, leafFile.path])
        return (result.status == 0, result.stdout + result.stderr)
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("clm-it-\(uniqueSuffix())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Polls `condition` every 200 ms until it holds; fails the test setup after `timeout`.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw TestSetupError("timed out after \(timeout) waiting until \(what)")
}
