import CLMClient
import CLMContracts
import Foundation
import Testing

/// The walking skeleton over the real stack: five service processes, PostgreSQL, the broker
/// and OpenSSL.
@Suite("End to end", .serialized, .timeLimit(.minutes(5)))
struct EndToEndTests {
    @Test("a CSR submitted over HTTP becomes a certificate that OpenSSL verifies against the published chain")
    func csrToVerifiedCertificate() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let directory = try temporaryDirectory()

            let workflow = try await Workflow.prepare(stack)
            let csr = try OpenSSL.hostileCSR(directory: directory)
            let id = try await workflow.submit(csr: csr)
            let request = try await workflow.waitForFinalState(id)
            #expect(request.state == .issued, "request ended as \(request)")
            let states = (request.history ?? []).map(\.state)
            #expect(states == [.submitted, .approved, .issued])

            let download = try await workflow.intake.send(
                "GET", "/v1/realms/\(workflow.realm)/requests/\(id)/certificate")
            #expect(download.status == 200)
            #expect(download.headers["content-type"] == "application/pem-certificate-chain")
            let chain = try await workflow.client("ca-gateway").send("GET", "/v1/cas/default/chain")
            #expect(chain.status == 200)
            let leaf =
                download.text.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
            let (verified, output) = try OpenSSL.verify(leaf: leaf, chain: chain.text, directory: directory)
            #expect(verified, "openssl verify: \(output)")
            // The download carries the same chain the CA publishes.
            #expect(download.text.hasSuffix(chain.text))

            // Subject and SANs come from the end entity; nothing the CSR asked for survives.
            let text = try OpenSSL.text(of: leaf)
            #expect(text.contains("Subject: C = DE, O = Test Org, CN = www.test.example"))
            #expect(text.contains("DNS:www.test.example, DNS:api.test.example"))
            #expect(text.contains("CA:FALSE"))
            for forbidden in [
                "evil.attacker.example", "bank.example", "10.0.0.1", "Attacker", "Certificate Sign", "sesame",
            ] {
                #expect(!text.contains(forbidden), "certificate contains '\(forbidden)' from the CSR")
            }

            // Each service keeps its own record of the request in its own schema.
            let db = stack.database
            #expect(try db.scalar("SELECT state FROM intake.requests WHERE id = '\(id)'") == "issued")
            #expect(
                try db.scalar("SELECT state || ':' || decided_by FROM approval.decisions WHERE request_id = '\(id)'")
                    == "approved:system:automatic")
            let serial = request.serialNumber ?? "?"
            #expect(
                try db.scalar("SELECT serial_number FROM ca_gateway.certificates WHERE request_id = '\(id)'") == serial)
            #expect(try db.scalar("SELECT state FROM ca_gateway.orders WHERE request_id = '\(id)'") == "issued")
            // The CA's private keys are stored sealed, never as PEM.
            #expect(
                try db.scalar(
                    "SELECT count(*) FROM ca_gateway.authorities WHERE position('PRIVATE KEY' in encode(issuing_key, 'escape')) > 0"
                ) == "0")

            // A retry with the same Idempotency-Key returns the original request.
            let keyed = try await workflow.submit(csr: csr, headers: ["Idempotency-Key": "retry-\(id)"])
            let body = SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr)
            let again = try await workflow.expect(
                200, "POST", "/v1/realms/\(workflow.realm)/requests", on: workflow.intake, body,
                headers: ["Idempotency-Key": "retry-\(id)"])
            #expect((try? again.decode(RequestView.self))?.id.uuidString == keyed)
            #expect(
                try db.scalar("SELECT count(*) FROM intake.requests WHERE idempotency_key LIKE '%retry-\(id)'") == "1")
            // The key is scoped to its requester: another requester reusing it gets a request of their own.
            let other = try workflow.client("intake", as: "other-requester", roles: ["requester"])
            let theirs = try await workflow.expect(
                202, "POST", "/v1/realms/\(workflow.realm)/requests", on: other, body,
                headers: ["Idempotency-Key": "retry-\(id)"])
            #expect((try? theirs.decode(RequestView.self))?.id.uuidString != keyed)
            #expect(
                try db.scalar("SELECT count(*) FROM intake.requests WHERE idempotency_key LIKE '%retry-\(id)'") == "2")

            // SIGTERM stops every service gracefully (exit 0, not a kill after the grace period).
            for name in TestStack.names.reversed() {
                let status = await stack[name].stop()
                #expect(status == 0, "\(name) did not stop cleanly: \(stack[name].tail())")
            }
        }
    }

    @Test("bad submissions get problem details and store nothing")
    func badSubmissions() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let intake = workflow.intake
            let path = "/v1/realms/\(workflow.realm)/requests"
            let validCSR = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let json = { (body: SubmitRequestBody) in try ContractCoding.encoder().encode(body) }
            let cases: [(String, Data, Int, String)] = [
                ("not JSON", Data("{oops".utf8), 400, "malformed-body"),
                (
                    "garbage CSR", try json(.init(policy: "web-server", entities: ["www"], csr: "hello")), 422,
                    "invalid-csr"
                ),
                (
                    "unknown policy", try json(.init(policy: "nope", entities: ["www"], csr: validCSR)), 422,
                    "unknown-policy"
                ),
                (
                    "unknown entity", try json(.init(policy: "web-server", entities: ["ghost"], csr: validCSR)), 422,
                    "unknown-end-entity"
                ),
                (
                    "bad entity id", try json(.init(policy: "web-server", entities: ["../etc"], csr: validCSR)), 400,
                    "invalid-identifier"
                ),
                ("no key source", try json(.init(policy: "web-server", entities: ["www"])), 400, "missing-key-source"),
                ("no entities", try json(.init(policy: "web-server", entities: [], csr: "x")), 400, "invalid-field"),
                ("oversized", Data(repeating: 0x41, count: 300 * 1024), 413, "body-too-large"),
            ]
            for (label, body, status, code) in cases {
                let answer = try await intake.send("POST", path, body: body)
                #expect(answer.status == status, "\(label): \(answer.text)")
                #expect(answer.problem?.code == code, "\(label): \(answer.text)")
                #expect(answer.headers["content-type"] == "application/problem+json", "\(label)")
            }
            // A key the policy does not allow is a policy mismatch naming the key.
            let directory = try temporaryDirectory()
            let key = directory.appendingPathComponent("p521.pem").path
            let csrPath = directory.appendingPathComponent("p521.csr").path
            _ = try run(
                OpenSSL.path,
                [
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-nodes", "-keyout", key,
                    "-subj", "/CN=x", "-out", csrPath,
                ])
            let p521 = try String(contentsOfFile: csrPath, encoding: .utf8)
            let mismatch = try await workflow.post(
                SubmitRequestBody(policy: "web-server", entities: ["www"], csr: p521))
            #expect(mismatch.status == 422)
            #expect(mismatch.problem?.code == "policy-mismatch")
            #expect(
                mismatch.problem?.violations?.first?.contains("EC P-521 is not allowed") == true, "\(mismatch.text)")
            // A policy with a misspelt field is refused with the path, not silently accepted.
            // Raw JSON: a misspelt field is what no PolicyDocument can express.
            let misspelt = try RawPolicy.body(Workflow.policy(id: "typo")) {
                $0["validity"] = RawPolicy.json(#"{"defaultDays":30,"maxDay":90}"#)
            }
            let typo = try await workflow.registry.send(
                "POST", "/v1/realms/\(workflow.realm)/policies", body: misspelt)
            #expect(typo.status == 422)
            #expect(typo.problem?.code == "invalid-policy")
            #expect(typo.problem?.violations?.contains { $0.hasPrefix("/validity") } == true, "\(typo.text)")

            // Subject constraints block over the API with the attribute and rule named.
            let strict = Workflow.policy(id: "strict") {
                $0.constraints = SubjectConstraints(
                    attributes: ["email": .init(presence: .required)], allowedDNSSuffixes: ["corp.example"])
            }
            try await workflow.expect(
                201, "POST", "/v1/realms/\(workflow.realm)/policies", on: workflow.registry, strict)
            let blocked: CLMClient.Answer? = try await workflow.post(
                SubmitRequestBody(policy: "strict", entities: ["www"], csr: validCSR))
            #expect(blocked?.status == 422)
            #expect(blocked?.problem?.code == "policy-mismatch")
            let reasons = blocked?.problem?.violations ?? []
            #expect(reasons.contains("email: required by the policy but missing"), "\(reasons)")
            #expect(
                reasons.contains("dnsNames: 'www.test.example' is not in an allowed domain (corp.example)"),
                "\(reasons)")

            // Unknown realm answers 404.
            let foreign = try await intake.send("GET", "/v1/realms/nobody/requests/\(UUID().uuidString)")
            #expect(foreign.status == 404)
            #expect(try stack.database.scalar("SELECT count(*) FROM intake.requests") == "0")
            #expect(try stack.database.scalar("SELECT count(*) FROM intake.outbox") == "0")
        }
    }
}
