import CLMClient
import CLMContracts
import Foundation
import Testing

/// Renewal over the real stack: a new request for the same end entities under the policy's
/// latest version, judged again, through the policy's approval workflow.
@Suite("Renewal", .serialized, .timeLimit(.minutes(6)))
struct RenewalTests {
    static func renew(_ leaf: IssuedLeaf, as subject: String, roles: Set<String> = ["requester"], _ body: RenewBody)
        async throws -> CLMClient.Answer
    {
        let intake = try leaf.workflow.client("intake", as: subject, roles: roles)
        return try await intake.send(
            "POST", "/v1/realms/\(leaf.realm)/certificates/\(leaf.serial)/renew", json: body)
    }

    @Test("a renewal with a new CSR is issued and supersedes the old certificate; another requester may not renew")
    func renewWithCSR() async throws {
        try await RevocationTests.withStack { stack in
            let workflow = try await Workflow.prepare(stack)
            let leaf = try await IssuedLeaf.issue(workflow, as: "rita@test.example")
            let csr = try OpenSSL.hostileCSR(directory: leaf.directory)
            let other = try await Self.renew(leaf, as: "bob@test.example", RenewBody(csr: csr))
            #expect(other.status == 403 && other.problem?.code == "not-requester", "\(other.text)")
            let unknown = try await workflow.client("intake", as: "rita@test.example", roles: ["requester"]).send(
                "POST", "/v1/realms/\(workflow.realm)/certificates/0BADC0FFEE/renew", json: RenewBody(csr: csr))
            #expect(unknown.status == 404, "\(unknown.text)")

            let answer = try await Self.renew(leaf, as: "rita@test.example", RenewBody(csr: csr, revokeOnIssue: true))
            #expect(answer.status == 202, "\(answer.text)")
            let renewal = try answer.decode(RequestView.self)
            #expect(renewal.renewalOf?.serialNumber == leaf.serial && renewal.renewalOf?.revokeOnIssue == true)
            #expect(renewal.policy == "web-server" && renewal.requester == "rita@test.example")
            let final = try await workflow.waitForFinalState(renewal.id.uuidString)
            #expect(final.state == .issued && final.serialNumber != nil && final.serialNumber != leaf.serial)
            // The old one is revoked as superseded, in the new one's transaction.
            let ocsp = try leaf.ocsp()
            #expect(ocsp.contains(": revoked") && ocsp.contains("Reason: superseded"), "\(ocsp)")
            let detail = try await leaf.gateway.send("GET", "/v1/realms/\(leaf.realm)/certificates/\(leaf.serial)")
            let revocation = try detail.decode(CertificateDetail.self).certificate.revocation
            #expect(revocation?.reason == .superseded && revocation?.revokedBy == "system:renewal")
            #expect(revocation?.comment?.contains(final.serialNumber ?? "?") == true)
        }
    }

    @Test(
        "a renewal the changed policy no longer allows is blocked with the reasons; a server-side renewal gets a new key"
    )
    func blockedAndServerSide() async throws {
        try await RevocationTests.withStack { stack in
            let workflow = try await Workflow.prepare(stack)
            let leaf = try await IssuedLeaf.issue(workflow, as: "rita@test.example")
            // The server-side renewal first, while the policy still allows EC keys.
            let password = "correct horse battery staple"
            let server = try await Self.renew(
                leaf, as: "rita@test.example", RenewBody(keyGeneration: "ec:P-256", keyPassword: password))
            #expect(server.status == 202, "\(server.text)")
            let renewed = try await workflow.waitForFinalState(try server.decode(RequestView.self).id.uuidString)
            #expect(renewed.state == .issued && renewed.keySource == .server)
            let certificate = try await workflow.intake.send(
                "GET", "/v1/realms/\(workflow.realm)/requests/\(renewed.id.uuidString)/certificate")
            #expect(certificate.status == 200)
            let newKey = try run(OpenSSL.path, ["x509", "-noout", "-pubkey"], input: certificate.text).stdout
            let oldKey = try run(OpenSSL.path, ["x509", "-noout", "-pubkey"], input: leaf.pem).stdout
            #expect(!newKey.isEmpty && newKey != oldKey)
            // The old certificate was not asked to be revoked.
            #expect(try leaf.ocsp().contains(": good"))

            // Version 2 of the policy allows RSA only: an EC renewal no longer passes.
            let rsaOnly = Workflow.policy(id: "web-server") {
                $0.keyTemplate = .init(rsaBits: [2048], ecCurves: [], eddsa: [])
            }
            try await workflow.expect(
                200, "PUT", "/v1/realms/\(workflow.realm)/policies/web-server", on: workflow.registry, rsaOnly)
            let csr = try OpenSSL.hostileCSR(directory: leaf.directory)
            var blocked = try await Self.renew(leaf, as: "rita@test.example", RenewBody(csr: csr))
            let deadline = ContinuousClock.now + .seconds(30)
            while blocked.status == 202 || blocked.problem?.code != "policy-mismatch", ContinuousClock.now < deadline {
                // Intake's read model may not have version 2 yet (then the renewal would pass).
                try await Task.sleep(for: .milliseconds(300))
                blocked = try await Self.renew(leaf, as: "rita@test.example", RenewBody(csr: csr))
            }
            #expect(blocked.status == 422 && blocked.problem?.code == "policy-mismatch", "\(blocked.text)")
            #expect(blocked.problem?.detail.contains("v2") == true, "\(blocked.text)")
            #expect(blocked.problem?.violations?.isEmpty == false, "\(blocked.text)")
        }
    }
}
