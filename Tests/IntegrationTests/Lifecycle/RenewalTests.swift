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

    @Test("under a four-eyes policy with automaticRenewal, an unchanged renewal needs no approver; a changed one does")
    func automaticRenewal() async throws {
        try await RevocationTests.withStack { stack in
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let policy = Workflow.policy(id: "four-eyes") {
                $0.approval = .init(mode: .manual, approvers: 1, automaticRenewal: true)
            }
            try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, policy)
            let rita = try workflow.client("intake", as: "rita@test.example", roles: ["requester"])
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            var submitted = try await rita.send(
                "POST", "/v1/realms/\(realm)/requests",
                json: SubmitRequestBody(policy: "four-eyes", entities: ["www"], csr: csr))
            let deadline = ContinuousClock.now + .seconds(30)
            while submitted.status != 202 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                submitted = try await rita.send(
                    "POST", "/v1/realms/\(realm)/requests",
                    json: SubmitRequestBody(policy: "four-eyes", entities: ["www"], csr: csr))
            }
            let original = try submitted.decode(RequestView.self).id.uuidString
            _ = try await ApprovalWorkflowTests.waitForState(workflow, original, .awaitingApproval)
            let ann = try workflow.client("approval", as: "ann@test.example", roles: ["approver"])
            let vote = try await ann.send(
                "POST", "/v1/realms/\(realm)/approvals/\(original)/approve", json: ApproveBody())
            #expect(vote.status == 200, "\(vote.text)")
            let issued = try await workflow.waitForFinalState(original)
            let serial = try #require(issued.serialNumber)

            func renew() async throws -> RequestView {
                let answer = try await rita.send(
                    "POST", "/v1/realms/\(realm)/certificates/\(serial)/renew", json: RenewBody(csr: csr))
                guard answer.status == 202 else { throw TestSetupError("renew: \(answer.status) \(answer.text)") }
                return try answer.decode(RequestView.self)
            }
            let unchanged = try await renew()
            #expect(unchanged.approvalMode == .automatic)
            let renewed = try await workflow.waitForFinalState(unchanged.id.uuidString)
            #expect(renewed.state == .issued)
            #expect(renewed.history?.contains { $0.state == .approved && $0.actor == "system:automatic" } == true)

            // A new policy version is a change the approvers have not seen.
            try await workflow.expect(
                200, "PUT", "/v1/realms/\(realm)/policies/four-eyes", on: workflow.registry, policy)
            var changed = try await renew()
            let versionDeadline = ContinuousClock.now + .seconds(30)
            while changed.policyVersion == 1 && ContinuousClock.now < versionDeadline {
                try await Task.sleep(for: .milliseconds(300))
                changed = try await renew()
            }
            #expect(changed.policyVersion == 2 && changed.approvalMode == .manual)
            _ = try await ApprovalWorkflowTests.waitForState(workflow, changed.id.uuidString, .awaitingApproval)
        }
    }
}
