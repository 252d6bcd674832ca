import CLMClient
import CLMContracts
import Foundation
import Testing

/// Manual (four-eyes) approval, declines, expiry and e-mail verification over the real stack.
@Suite("Approval workflows", .serialized, .timeLimit(.minutes(5)))
struct ApprovalWorkflowTests {
    static func manualPolicy(id: String, approvers: Int, expiresAfter: String? = nil) -> PolicyDocument {
        Workflow.policy(id: id) { $0.approval = .init(mode: .manual, approvers: approvers, expiresAfter: expiresAfter) }
    }

    /// The decision a vote answers with, if the answer is one.
    static func decision(_ answer: CLMClient.Answer) -> DecisionView? { try? answer.decode(DecisionView.self) }

    /// Waits until intake shows the request in `state`; returns the request.
    static func waitForState(_ workflow: Workflow, _ id: String, _ state: RequestState) async throws -> RequestView {
        var last: RequestView?
        try await waitUntil("request \(id) is \(state.rawValue)") {
            last = try await workflow.request(id)
            return last?.state == state
        }
        guard let last else { throw TestSetupError("request \(id) never shown") }
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
            let submitted = try await workflow.submit(
                SubmitRequestBody(policy: "four-eyes", entities: ["www"], csr: csr))
            let id = submitted.id.uuidString
            let waiting = try await Self.waitForState(workflow, id, .awaitingApproval)
            #expect(waiting.waiting?.required == 2)

            let approvals = "/v1/realms/\(realm)/approvals"
            let bob = try workflow.client("approval", as: "bob@test.example", roles: ["approver"])
            let carol = try workflow.client("approval", as: "carol@test.example", roles: ["approver"])
            // The request is listed as pending for approvers, with what it would certify.
            let pending = try await bob.send("GET", approvals)
            #expect(pending.status == 200)
            let listed = try pending.decode([DecisionView].self).first { $0.request == submitted.id }
            #expect(listed?.requester == Workflow.subject)
            #expect(listed?.subject.isEmpty == false)

            // The requester has no approver role: 403.
            let noRole = try await workflow.client("approval").send(
                "POST", "\(approvals)/\(id)/approve", json: ApproveBody())
            #expect(noRole.status == 403, "\(noRole.text)")
            #expect(noRole.problem?.code == "forbidden")
            // Even holding the approver role, the requester never approves their own request.
            let selfApprover = try workflow.client(
                "approval", as: Workflow.subject, roles: ["approver", "requester", "realm-admin"])
            let own = try await selfApprover.send("POST", "\(approvals)/\(id)/approve", json: ApproveBody())
            #expect(own.status == 403, "\(own.text)")
            #expect(own.problem?.code == "self-approval")

            let first = try await bob.send(
                "POST", "\(approvals)/\(id)/approve", json: ApproveBody(comment: "looks right"))
            #expect(first.status == 200, "\(first.text)")
            #expect(Self.decision(first)?.state == .awaitingApproval)
            let twice = try await bob.send("POST", "\(approvals)/\(id)/approve", json: ApproveBody())
            #expect(twice.status == 409)
            #expect(twice.problem?.code == "already-approved")
            try await waitUntil("intake shows one approval") {
                try await workflow.request(id).waiting?.received == ["bob@test.example"]
            }

            let second = try await carol.send("POST", "\(approvals)/\(id)/approve", json: ApproveBody())
            #expect(second.status == 200, "\(second.text)")
            #expect(Self.decision(second)?.state == .approved)
            let issued = try await workflow.waitForFinalState(id)
            #expect(issued.state == .issued)
            let history = issued.history ?? []
            #expect(history.map(\.state) == [.submitted, .awaitingApproval, .awaitingApproval, .approved, .issued])
            let approvedBy = history.first { $0.state == .approved }?.actor
            #expect(approvedBy == "bob@test.example, carol@test.example")
            // A decided request takes no more votes and leaves the pending list.
            let late = try await carol.send("POST", "\(approvals)/\(id)/decline", json: DeclineBody(reason: "too late"))
            #expect(late.status == 409)
            let after = try await bob.send("GET", approvals).decode([DecisionView].self)
            #expect(!after.contains { $0.request == submitted.id })

            // A decline ends a request at once, with the decliner and the reason; a reason is required.
            let declinedID = try await workflow.submit(csr: csr, policy: "four-eyes")
            _ = try await Self.waitForState(workflow, declinedID, .awaitingApproval)
            let noReason = try await bob.send(
                "POST", "\(approvals)/\(declinedID)/decline", json: DeclineBody(reason: " "))
            #expect(noReason.status == 400)
            let decline = try await bob.send(
                "POST", "\(approvals)/\(declinedID)/decline",
                json: DeclineBody(reason: "no such service in our inventory"))
            #expect(decline.status == 200, "\(decline.text)")
            let declined = try await workflow.waitForFinalState(declinedID)
            #expect(declined.state == .declined)
            let last = declined.history?.last
            #expect(last?.actor == "bob@test.example")
            #expect(last?.reason.contains("no such service in our inventory") == true)
            #expect(
                try stack.database.scalar(
                    "SELECT count(*) FROM ca_gateway.certificates WHERE request_id = '\(declinedID)'") == "0")

            // Approvers of another realm see nothing of this one.
            let outsider = stack.client(
                "approval", token: try stack.token("eve@test.example", roles: ["other-realm": ["approver"]]))
            #expect(try await outsider.send("GET", approvals).status == 404)
            #expect(
                try await outsider.send("POST", "\(approvals)/\(declinedID)/approve", json: ApproveBody()).status
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
            _ = try await Self.waitForState(workflow, bound, .awaitingApproval)

            // Version 2 of the policy approves automatically; the waiting request stays bound to v1.
            try await workflow.expect(
                200, "PUT", "/v1/realms/\(realm)/policies/changing", on: workflow.registry,
                Workflow.policy(id: "changing"))
            let afterEdit = try await workflow.submit(
                SubmitRequestBody(policy: "changing", policyVersion: 2, entities: ["www"], csr: csr))
            #expect(afterEdit.policyVersion == 2)
            #expect(try await workflow.waitForFinalState(afterEdit.id.uuidString).state == .issued)
            let approver = try workflow.client("approval", as: "dave@test.example", roles: ["approver"])
            let one = try await approver.send(
                "POST", "/v1/realms/\(realm)/approvals/\(bound)/approve", json: ApproveBody())
            #expect(Self.decision(one)?.state == .awaitingApproval, "one approval must not be enough under v1")
            let view = try? await workflow.request(bound)
            #expect(view?.policyVersion == 1)
            #expect(view?.state == .awaitingApproval)

            let expired = try await workflow.waitForFinalState(expiring, timeout: .seconds(60))
            #expect(expired.state == .expired, "\(expired)")
            let reason = expired.history?.last?.reason ?? ""
            #expect(reason.contains("0 of 2"), "\(reason)")
            let late = try await approver.send(
                "POST", "/v1/realms/\(realm)/approvals/\(expiring)/approve", json: ApproveBody())
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
            for (id, lifetime) in [("mail-verified", "15m"), ("mail-short", "10s")] {
                let policy = Workflow.policy(id: id) { $0.approval = .init(mode: .email, linkLifetime: lifetime) }
                try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, policy)
            }
            for (id, email) in [("alice", "alice@test.example"), ("bounce", "bounce@test.example")] {
                try await workflow.expect(
                    201, "POST", "/v1/realms/\(realm)/end-entities", on: workflow.registry,
                    EndEntity(id: id, kind: .person, attributes: .init(commonName: "\(id) example", email: email)))
            }
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())

            // An entity without an address cannot take part in e-mail verification.
            let noMail = try await workflow.post(
                SubmitRequestBody(policy: "mail-verified", entities: ["www"], csr: csr))
            #expect(noMail.status == 422)
            #expect(noMail.problem?.violations?.first?.contains("www.email") == true, "\(noMail.text)")

            let id = try await workflow.submit(csr: csr, policy: "mail-verified", entities: ["alice"])
            _ = try await Self.waitForState(workflow, id, .awaitingVerification)
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
            #expect((try? await workflow.request(id))?.state == .awaitingVerification)

            let confirm = try await anonymous.send("POST", path, headers: ["Accept": "application/json"])
            #expect(confirm.status == 200, "\(confirm.text)")
            #expect((try? confirm.decode(VerificationLinkView.self))?.confirmed == true)
            let issued = try await workflow.waitForFinalState(id)
            #expect(issued.state == .issued)
            let approvedBy = issued.history?.first { $0.state == .approved }?.actor
            #expect(approvedBy == "email:alice@test.example")

            // Single use; unknown and malformed tokens are simply not found.
            let reuse = try await anonymous.send("POST", path)
            #expect(reuse.status == 410)
            #expect(reuse.problem?.code == "link-used")
            let forged = String(token.reversed())
            #expect(try await anonymous.send("POST", "/v1/verify/\(forged)").status == 404)
            #expect(try await anonymous.send("GET", "/v1/verify/short").status == 404)

            // A link that is not used in time expires with its request.
            let expiring = try await workflow.submit(csr: csr, policy: "mail-short", entities: ["alice"])
            _ = try await Self.waitForState(workflow, expiring, .awaitingVerification)
            let expired = try await workflow.waitForFinalState(expiring, timeout: .seconds(60))
            #expect(expired.state == .expired)

            // A mailbox that refuses the mail fails the request with the server's reason.
            let bounced = try await workflow.submit(csr: csr, policy: "mail-verified", entities: ["bounce"])
            let failed = try await workflow.waitForFinalState(bounced, timeout: .seconds(60))
            #expect(failed.state == .failed)
            let reason = failed.history?.last?.reason ?? ""
            #expect(reason.contains("verification-mail-failed") && reason.contains("550"), "\(reason)")
        }
    }
}

extension Workflow {
    /// Submits a CSR under `policy` for `entities`; returns the request id.
    func submit(csr: String, policy: String, entities: [String] = ["www"]) async throws -> String {
        try await submit(SubmitRequestBody(policy: policy, entities: entities, csr: csr)).id.uuidString
    }
}
