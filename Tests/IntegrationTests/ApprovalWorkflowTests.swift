import CLMClient
import Foundation
import Testing

/// Manual (four-eyes) approval, declines, expiry and e-mail verification over the real stack.
@Suite("Approval workflows", .serialized, .timeLimit(.minutes(5)))
struct ApprovalWorkflowTests {
    static func manualPolicy(id: String, approvers: Int, expiresAfter: String? = nil) -> [String: Any] {
        var policy = Workflow.policy
        policy["id"] = id
        var approval: [String: Any] = ["mode": "manual", "approvers": approvers]
        if let expiresAfter { approval["expiresAfter"] = expiresAfter }
        policy["approval"] = approval
        return policy
    }

    static func json(_ answer: CLMClient.Answer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any] ?? [:]
    }

    /// Waits until intake shows the request in `state`; returns the request.
    static func waitForState(_ workflow: Workflow, _ id: String, _ state: String) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        try await waitUntil("request \(id) is \(state)") {
            last = json(try await workflow.intake.send("GET", "/v1/realms/\(workflow.realm)/requests/\(id)"))
            return last["state"] as? String == state
        }
        return last
    }

    @Test(
        "four eyes: the requester cannot approve, one approver counts once, two distinct approvers issue; a decline ends a request"
    )
    func fourEyesAndDecline() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            try await workflow.expect(
                201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry,
                Self.manualPolicy(id: "four-eyes", approvers: 2))
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let submitted = try await workflow.submit(["policy": "four-eyes", "entities": ["www"], "csr": csr])
            let id = try #require(submitted["id"] as? String)
            let waiting = try await Self.waitForState(workflow, id, "awaiting_approval")
            #expect((waiting["waiting"] as? [String: Any])?["required"] as? Int == 2)

            let approvals = "/v1/realms/\(realm)/approvals"
            let bob = try workflow.client("approval", as: "bob@test.example", roles: ["approver"])
            let carol = try workflow.client("approval", as: "carol@test.example", roles: ["approver"])
            // The request is listed as pending for approvers, with what it would certify.
            let pending = try await bob.send("GET", approvals)
            #expect(pending.status == 200)
            let listed = (try JSONSerialization.jsonObject(with: pending.body) as? [[String: Any]] ?? [])
                .first { ($0["request"] as? String)?.lowercased() == id.lowercased() }
            #expect(listed?["requester"] as? String == Workflow.subject)
            #expect((listed?["subject"] as? [[String: Any]])?.isEmpty == false)

            // The requester has no approver role: 403.
            let noRole = try await workflow.client("approval").send(
                "POST", "\(approvals)/\(id)/approve", body: Data("{}".utf8))
            #expect(noRole.status == 403, "\(noRole.text)")
            #expect(noRole.problem?.code == "forbidden")
            // Even holding the approver role, the requester never approves their own request.
            let selfApprover = try workflow.client(
                "approval", as: Workflow.subject, roles: ["approver", "requester", "realm-admin"])
            let own = try await selfApprover.send("POST", "\(approvals)/\(id)/approve", body: Data("{}".utf8))
            #expect(own.status == 403, "\(own.text)")
            #expect(own.problem?.code == "self-approval")

            let first = try await bob.send(
                "POST", "\(approvals)/\(id)/approve",
                body: try JSONSerialization.data(withJSONObject: ["comment": "looks right"]))
            #expect(first.status == 200, "\(first.text)")
            #expect(Self.json(first)["state"] as? String == "awaiting_approval")
            let twice = try await bob.send("POST", "\(approvals)/\(id)/approve", body: Data("{}".utf8))
            #expect(twice.status == 409)
            #expect(twice.problem?.code == "already-approved")
            try await waitUntil("intake shows one approval") {
                let view = Self.json(try await workflow.intake.send("GET", "/v1/realms/\(realm)/requests/\(id)"))
                return (view["waiting"] as? [String: Any])?["received"] as? [String] == ["bob@test.example"]
            }

            let second = try await carol.send("POST", "\(approvals)/\(id)/approve", body: Data("{}".utf8))
            #expect(second.status == 200, "\(second.text)")
            #expect(Self.json(second)["state"] as? String == "approved")
            let issued = try await workflow.waitForFinalState(id)
            #expect(issued["state"] as? String == "issued")
            let history = issued["history"] as? [[String: Any]] ?? []
            #expect(
                history.compactMap { $0["state"] as? String }
                    == ["submitted", "awaiting_approval", "awaiting_approval", "approved", "issued"])
            let approvedBy = history.first { $0["state"] as? String == "approved" }?["actor"] as? String
            #expect(approvedBy == "bob@test.example, carol@test.example")
            // A decided request takes no more votes and leaves the pending list.
            let late = try await carol.send(
                "POST", "\(approvals)/\(id)/decline",
                body: try JSONSerialization.data(withJSONObject: ["reason": "too late"]))
            #expect(late.status == 409)
            let after =
                try JSONSerialization.jsonObject(with: try await bob.send("GET", approvals).body) as? [[String: Any]]
                ?? []
            #expect(!after.contains { ($0["request"] as? String)?.lowercased() == id.lowercased() })

            // A decline ends a request at once, with the decliner and the reason; a reason is required.
            let declinedID = try await workflow.submit(csr: csr, policy: "four-eyes")
            _ = try await Self.waitForState(workflow, declinedID, "awaiting_approval")
            let noReason = try await bob.send(
                "POST", "\(approvals)/\(declinedID)/decline", body: Data("{\"reason\": \" \"}".utf8))
            #expect(noReason.status == 400)
            let decline = try await bob.send(
                "POST", "\(approvals)/\(declinedID)/decline",
                body: try JSONSerialization.data(withJSONObject: ["reason": "no such service in our inventory"]))
            #expect(decline.status == 200, "\(decline.text)")
            let declined = try await workflow.waitForFinalState(declinedID)
            #expect(declined["state"] as? String == "declined")
            let last = (declined["history"] as? [[String: Any]])?.last
            #expect(last?["actor"] as? String == "bob@test.example")
            #expect((last?["reason"] as? String)?.contains("no such service in our inventory") == true)
            #expect(
                try stack.database.scalar(
                    "SELECT count(*) FROM ca_gateway.certificates WHERE request_id = '\(declinedID)'") == "0")

            // Approvers of another realm see nothing of this one.
            let outsider = stack.client(
                "approval", token: try stack.token("eve@test.example", roles: ["other-realm": ["approver"]]))
            #expect(try await outsider.send("GET", approvals).status == 404)
            #expect(
                try await outsider.send("POST", "\(approvals)/\(declinedID)/approve", body: Data("{}".utf8)).status
                    == 404)
        }
    }

    @Test(
        "an unanswered request expires; a policy edited after submission does not change how a waiting request is judged"
    )
    func expiryAndPolicyBinding() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            stack["approval"].setEnvironment("CLM_APPROVAL_SWEEP_SECONDS", "1")
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            try await workflow.expect(
                201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry,
                Self.manualPolicy(id: "short-wait", approvers: 2, expiresAfter: "10s"))
            try await workflow.expect(
                201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry,
                Self.manualPolicy(id: "changing", approvers: 2))

            let expiring = try await workflow.submit(csr: csr, policy: "short-wait")
            let bound = try await workflow.submit(csr: csr, policy: "changing")
            _ = try await Self.waitForState(workflow, bound, "awaiting_approval")

            // Version 2 of the policy approves automatically; the waiting request stays bound to v1.
            var automatic = Workflow.policy
            automatic["id"] = "changing"
            try await workflow.expect(
                200, "PUT", "/v1/realms/\(realm)/policies/changing", on: workflow.registry, automatic)
            let afterEditBody = try await workflow.submit(
                ["policy": "changing", "policyVersion": 2, "entities": ["www"], "csr": csr])
            let afterEdit = try #require(afterEditBody["id"] as? String)
            #expect(afterEditBody["policyVersion"] as? Int == 2)
            #expect(try await workflow.waitForFinalState(afterEdit)["state"] as? String == "issued")
            let approver = try workflow.client("approval", as: "dave@test.example", roles: ["approver"])
            let one = try await approver.send(
                "POST", "/v1/realms/\(realm)/approvals/\(bound)/approve", body: Data("{}".utf8))
            #expect(
                Self.json(one)["state"] as? String == "awaiting_approval", "one approval must not be enough under v1")
            let view = Self.json(try await workflow.intake.send("GET", "/v1/realms/\(realm)/requests/\(bound)"))
            #expect(view["policyVersion"] as? Int == 1)
            #expect(view["state"] as? String == "awaiting_approval")

            let expired = try await workflow.waitForFinalState(expiring, timeout: .seconds(60))
            #expect(expired["state"] as? String == "expired", "\(expired)")
            let reason = (expired["history"] as? [[String: Any]])?.last?["reason"] as? String ?? ""
            #expect(reason.contains("0 of 2"), "\(reason)")
            let late = try await approver.send(
                "POST", "/v1/realms/\(realm)/approvals/\(expiring)/approve", body: Data("{}".utf8))
            #expect(late.status == 409)
            #expect(
                try stack.database.scalar(
                    "SELECT count(*) FROM ca_gateway.certificates WHERE request_id = '\(expiring)'") == "0")
        }
    }

    @Test("e-mail verification: a single-use link mailed over SMTP approves the request; GET alone does not")
    func emailVerification() async throws {
        let environment = try TestEnvironment.require()
        let smtp = try await SMTPTestServer.start(rejectingRecipients: ["bounce@test.example"])
        defer { smtp.stop() }
        try await TestStack.with(environment) { stack in
            let approvalService = stack["approval"]
            approvalService.setEnvironment("CLM_SMTP_PORT", "\(smtp.port)")
            approvalService.setEnvironment("CLM_PUBLIC_URL", approvalService.baseURL.absoluteString)
            approvalService.setEnvironment("CLM_APPROVAL_SWEEP_SECONDS", "1")
            approvalService.setEnvironment("CLM_MAIL_MAX_ATTEMPTS", "2")
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            var policy = Workflow.policy
            policy["id"] = "mail-verified"
            policy["approval"] = ["mode": "email", "linkLifetime": "15m"]
            try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, policy)
            policy["id"] = "mail-short"
            policy["approval"] = ["mode": "email", "linkLifetime": "10s"]
            try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, policy)
            for (id, email) in [("alice", "alice@test.example"), ("bounce", "bounce@test.example")] {
                try await workflow.expect(
                    201, "POST", "/v1/realms/\(realm)/end-entities", on: workflow.registry,
                    ["id": id, "kind": "person", "attributes": ["commonName": "\(id) example", "email": email]])
            }
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())

            // An entity without an address cannot take part in e-mail verification.
            let noMail = try await workflow.post(["policy": "mail-verified", "entities": ["www"], "csr": csr])
            #expect(noMail.status == 422)
            #expect(noMail.problem?.violations?.first?.contains("www.email") == true, "\(noMail.text)")

            let id = try await workflow.submit(csr: csr, policy: "mail-verified", entities: ["alice"])
            _ = try await Self.waitForState(workflow, id, "awaiting_verification")
            let mail = try await smtp.waitForMessage(to: "alice@test.example", timeout: .seconds(30))
            #expect(mail.subject.contains("alice example"))
            #expect(mail.body.contains(Workflow.subject), "the mail names the requester")
            let link = try #require(
                mail.body.components(separatedBy: .whitespacesAndNewlines).first { $0.contains("/v1/verify/") })
            let path = try #require(URL(string: link)?.path)
            let token = String(path.split(separator: "/").last ?? "")
            #expect(token.count == 43, "a 256-bit token, base64url")
            // The database keeps only the token's hash.
            #expect(
                try stack.database.scalar(
                    "SELECT count(*) FROM approval.verifications WHERE token_hash::text LIKE '%\(token)%'") == "0")

            // No token needed to open the link; GET shows the request and changes nothing.
            let anonymous = CLMClient(baseURL: approvalService.baseURL, timeout: 10)
            let page = try await anonymous.send("GET", path)
            #expect(page.status == 200)
            #expect(page.text.contains("<form method=\"post\">"))
            #expect(page.text.contains("alice example"))
            try await Task.sleep(for: .seconds(1))
            #expect(
                Self.json(try await workflow.intake.send("GET", "/v1/realms/\(realm)/requests/\(id)"))["state"]
                    as? String
                    == "awaiting_verification")

            let confirm = try await anonymous.send("POST", path, headers: ["Accept": "application/json"])
            #expect(confirm.status == 200, "\(confirm.text)")
            #expect(Self.json(confirm)["confirmed"] as? Bool == true)
            let issued = try await workflow.waitForFinalState(id)
            #expect(issued["state"] as? String == "issued")
            let approvedBy = (issued["history"] as? [[String: Any]])?.first { $0["state"] as? String == "approved" }?[
                "actor"]
            #expect(approvedBy as? String == "email:alice@test.example")

            // Single use; unknown and malformed tokens are simply not found.
            let reuse = try await anonymous.send("POST", path)
            #expect(reuse.status == 410)
            #expect(reuse.problem?.code == "link-used")
            let forged = String(token.reversed())
            #expect(try await anonymous.send("POST", "/v1/verify/\(forged)").status == 404)
            #expect(try await anonymous.send("GET", "/v1/verify/short").status == 404)

            // A link that is not used in time expires with its request.
            let expiring = try await workflow.submit(csr: csr, policy: "mail-short", entities: ["alice"])
            _ = try await Self.waitForState(workflow, expiring, "awaiting_verification")
            let expired = try await workflow.waitForFinalState(expiring, timeout: .seconds(60))
            #expect(expired["state"] as? String == "expired")

            // A mailbox that refuses the mail fails the request with the server's reason.
            let bounced = try await workflow.submit(csr: csr, policy: "mail-verified", entities: ["bounce"])
            let failed = try await workflow.waitForFinalState(bounced, timeout: .seconds(60))
            #expect(failed["state"] as? String == "failed")
            let reason = (failed["history"] as? [[String: Any]])?.last?["reason"] as? String ?? ""
            #expect(reason.contains("verification-mail-failed") && reason.contains("550"), "\(reason)")
        }
    }
}

extension Workflow {
    /// Submits a CSR under `policy` for `entities`; returns the request id.
    func submit(csr: String, policy: String, entities: [String] = ["www"]) async throws -> String {
        let json = try await submit(["policy": policy, "entities": entities, "csr": csr])
        guard let id = json["id"] as? String else { throw TestSetupError("no id in \(json)") }
        return id
    }
}
