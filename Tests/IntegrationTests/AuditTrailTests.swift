import CLMClient
import CLMContracts
import Foundation
import Testing

/// The hash-chained audit trails over the real stack, checked by the `clm` CLI as an auditor
/// would run it: intact after a workflow, broken at the exact record after tampering.
@Suite("Audit trail", .serialized, .timeLimit(.minutes(5)))
struct AuditTrailTests {
    /// Runs the `clm` binary against the stack's services; returns exit status and output.
    static func clm(_ stack: TestStack, token: String, _ arguments: [String]) throws -> (Int32, String) {
        let urls = TestStack.names.flatMap { ["--service-url", "\($0)=\(stack[$0].baseURL.absoluteString)"] }
        var environment = ProcessInfo.processInfo.environment
        environment["CLM_TOKEN"] = token
        let binary = stack.environment.binDirectory.appendingPathComponent("clm").path
        let result = try run(binary, arguments + urls, environment: environment)
        return (result.status, result.stdout + result.stderr)
    }

    @Test("every service's chain verifies after a workflow; a changed or deleted row is found at its record")
    func auditTrail() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let token = workflow.token

            // Activity for every service: a CSR request, a server-side key downloaded, a failed login.
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let first = try await workflow.submit(csr: csr)
            #expect(try await workflow.waitForFinalState(first).state == .issued)
            let generated = try await workflow.submit(
                SubmitRequestBody(
                    policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: "audit-password-1")
            ).id.uuidString
            #expect(try await workflow.waitForFinalState(generated).state == .issued)
            let download = try await workflow.client("keygen").send(
                "POST", "/v1/realms/\(realm)/requests/\(generated)/key-bundle?format=pem",
                json: KeyBundleBody(password: "audit-password-1"))
            #expect(download.status == 200)
            #expect(try await stack.client("registry", token: "not-a-token").send("GET", "/v1/realms").status == 401)

            // The records reach every trail (the CA's is written as the request issues).
            let db = stack.database
            try await waitUntil("keygen recorded the download") {
                try db.scalar(
                    "SELECT count(*) FROM keygen.audit WHERE realm = '\(realm)' AND action = 'key.downloaded'") == "1"
            }
            #expect(
                try db.scalar(
                    "SELECT count(*) FROM intake.audit WHERE realm = '\(realm)' AND action = 'request.submitted'")
                    == "2")
            #expect(
                try db.scalar(
                    "SELECT count(*) FROM ca_gateway.audit WHERE realm = '\(realm)' AND action = 'certificate.issued'")
                    == "2")
            #expect(try db.scalar("SELECT count(*) FROM registry.audit WHERE realm = '\(realm)'") == "2")
            #expect(
                try db.scalar(
                    "SELECT count(*) FROM registry.audit WHERE realm = 'platform' AND action = 'authentication.failed'")
                    == "1")

            let (status, output) = try Self.clm(stack, token: token, ["audit", "verify", "--realm", realm])
            #expect(status == 0, "\(output)")
            for service in TestStack.names where service != "approval" {
                #expect(output.contains("\(service): ") && !output.contains("\(service): 0 records"), "\(output)")
            }
            #expect(!output.contains("BROKEN"))
            let platform = try Self.clm(stack, token: token, ["audit", "verify", "--platform"])
            #expect(platform.0 == 0, "\(platform.1)")
            let listed = try Self.clm(
                stack, token: token, ["audit", "list", "--platform", "--service", "registry", "--output", "json"])
            #expect(listed.1.contains("authentication.failed") && listed.1.contains("realm.created"), "\(listed.1)")

            // An auditor of another realm reads nothing here; a requester may not read the trail.
            let outsider = try stack.token("olga@test.example", roles: ["elsewhere": ["auditor"]])
            #expect(try Self.clm(stack, token: outsider, ["audit", "verify", "--realm", realm]).0 == 3)
            let requester = try stack.token("rita@test.example", roles: [realm: ["requester"]])
            #expect(try Self.clm(stack, token: requester, ["audit", "verify", "--realm", realm]).0 == 4)

            // Changing a field breaks the chain at that record.
            _ = try db.query("UPDATE intake.audit SET actor = 'mallory' WHERE realm = '\(realm)' AND sequence = 1")
            let changed = try Self.clm(stack, token: token, ["audit", "verify", "--realm", realm])
            #expect(changed.0 == 7, "\(changed.1)")
            #expect(changed.1.contains("intake: BROKEN at record 1"), "\(changed.1)")
            #expect(changed.1.contains("registry: 2 records, chain intact"), "only intake is broken: \(changed.1)")

            // Putting the value back restores the chain; deleting a record breaks it at the next one.
            _ = try db.query(
                "UPDATE intake.audit SET actor = 'tester@test.example' WHERE realm = '\(realm)' AND sequence = 1")
            #expect(try Self.clm(stack, token: token, ["audit", "verify", "--realm", realm]).0 == 0)
            _ = try db.query("DELETE FROM ca_gateway.audit WHERE realm = '\(realm)' AND sequence = 1")
            let deleted = try Self.clm(stack, token: token, ["audit", "verify", "--realm", realm, "--output", "json"])
            #expect(deleted.0 == 7, "\(deleted.1)")
            #expect(
                deleted.1.contains(#""brokenAt":2"#) && deleted.1.contains(#""service":"ca-gateway""#), "\(deleted.1)")
        }
    }
}
