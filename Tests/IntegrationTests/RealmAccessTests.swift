import CLMClient
import CLMContracts
import Foundation
import Testing

/// Realm members granted through the registry, and the CAs a realm's policies may name, over
/// the real stack.
@Suite("Realm members and CAs", .serialized, .timeLimit(.minutes(5)))
struct RealmAccessTests {
    @Test("a membership granted in the registry gives its roles in every service; removing it takes them away")
    func memberships() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let members = "/v1/realms/\(realm)/members"
            // A subject as IdPs write them: with `@` and a `/`, percent-encoded in the path.
            let subject = "svc/ci-bot@test.example"
            let path = "\(members)/svc%2Fci-bot@test.example"
            let bobToken = try stack.token(subject)
            let bobIntake = stack.client("intake", token: bobToken)
            let bobApproval = stack.client("approval", token: bobToken)
            let bobCA = stack.client("ca-gateway", token: bobToken)

            // No role in the token and no membership: the realm does not exist for them.
            #expect(try await bobIntake.send("GET", "/v1/realms/\(realm)/requests").status == 404)

            // Only realm admins grant; only known roles; never platform-admin.
            let requester = try workflow.client("registry", as: "rita@test.example", roles: ["requester"])
            let refused = try await requester.send("PUT", path, json: MemberRolesBody(roles: ["approver"]))
            #expect(refused.status == 403, "\(refused.text)")
            for bad in [["platform-admin"], [], ["approver", "root"]] {
                try await workflow.expect(400, "PUT", path, on: workflow.registry, MemberRolesBody(roles: bad))
            }

            let granted = try await workflow.expect(
                200, "PUT", path, on: workflow.registry, MemberRolesBody(roles: ["approver", "auditor", "approver"])
            ).decode(MemberSnapshot.self)
            #expect(granted.subject == subject)
            #expect(granted.roles == ["approver", "auditor"])
            #expect(granted.revision == 1)

            // Every service learns it from the registry topic.
            try await waitUntil("approval sees the grant") {
                try await bobApproval.send("GET", "/v1/realms/\(realm)/approvals").status == 200
            }
            try await waitUntil("intake sees the grant") {
                try await bobIntake.send("GET", "/v1/realms/\(realm)/requests").status == 200
            }
            try await waitUntil("ca-gateway sees the grant") {
                try await bobCA.send("GET", "/v1/realms/\(realm)/certificates").status == 200
            }
            // The granted roles are exactly those: no requester role, so no submitting.
            let submit = try await bobIntake.send(
                "POST", "/v1/realms/\(realm)/requests",
                json: SubmitRequestBody(policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256"))
            #expect(submit.status == 403, "\(submit.text)")

            // Auditors and admins list members; the list holds the grant.
            let listed = try await stack.client("registry", token: bobToken).send("GET", members)
            #expect(listed.status == 200)
            let entries = try listed.decode([MemberSnapshot].self)
            #expect(entries.contains { $0.subject == subject })
            // A member of another realm sees nothing of this one.
            let outsider = stack.client(
                "registry", token: try stack.token("olga", roles: ["elsewhere": ["realm-admin"]]))
            #expect(try await outsider.send("GET", members).status == 404)
            #expect(try await outsider.send("PUT", path, json: MemberRolesBody(roles: ["approver"])).status == 404)

            // Removal: 204, then every service forgets the roles; a second removal is 404.
            let removed = try await workflow.registry.send("DELETE", path)
            #expect(removed.status == 204)
            try await waitUntil("approval forgets the grant") {
                try await bobApproval.send("GET", "/v1/realms/\(realm)/approvals").status == 404
            }
            try await waitUntil("intake forgets the grant") {
                try await bobIntake.send("GET", "/v1/realms/\(realm)/requests").status == 404
            }
            #expect(try await workflow.registry.send("DELETE", path).status == 404)
            #expect(try await workflow.registry.send("GET", path).status == 404)
            #expect(
                try stack.database.scalar(
                    "SELECT revision || ':' || cardinality(roles) FROM intake.realm_members WHERE subject = '\(subject)'"
                )
                    == "2:0")
        }
    }

    @Test("policies may name only the realm's CAs; the platform admin assigns them; a CA in use cannot be taken away")
    func realmCAs() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            stack["ca-gateway"].setEnvironment("CLM_CAS", "default=ec:P-256,rsa=rsa:3072")
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let cas = "/v1/realms/\(realm)/cas"
            #expect(
                try await workflow.expect(200, "GET", cas, on: workflow.registry).decode(RealmCAsView.self).cas
                    == ["default"])

            let rsaPolicy = Workflow.policy(id: "rsa-issued") { $0.ca = "rsa" }
            let refused = try await workflow.expect(
                422, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, rsaPolicy)
            #expect(
                refused.problem?.violations?.first?.hasPrefix("/ca: 'rsa' is not a CA of realm") == true,
                "\(refused.text)")

            // A realm admin cannot hand their realm a CA; the platform admin can.
            let admin = try workflow.client("registry", as: "ada@test.example", roles: ["realm-admin"])
            #expect(try await admin.send("PUT", "\(cas)/rsa").status == 403)
            let assigned = try await workflow.expect(200, "PUT", "\(cas)/rsa", on: workflow.registry)
            #expect((try? assigned.decode(RealmCAsView.self))?.cas == ["default", "rsa"])
            try await workflow.expect(200, "PUT", "\(cas)/rsa", on: workflow.registry)  // idempotent
            try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, rsaPolicy)
            try await workflow.expect(400, "PUT", "\(cas)/Not_An_Id", on: workflow.registry)
            try await workflow.expect(404, "PUT", "/v1/realms/no-such-realm/cas/rsa", on: workflow.registry)

            // The rsa CA issues what the policy sends it, and its chain verifies the certificate.
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let submitted = try await workflow.submit(
                SubmitRequestBody(policy: "rsa-issued", entities: ["www"], csr: csr))
            let id = submitted.id.uuidString
            let issued = try await workflow.waitForFinalState(id)
            #expect(issued.state == .issued, "\(issued)")
            let certificate = try await workflow.intake.send("GET", "/v1/realms/\(realm)/requests/\(id)/certificate")
            let chain = try await workflow.client("ca-gateway").send("GET", "/v1/cas/rsa/chain")
            let directory = try temporaryDirectory()
            let (verified, output) = try OpenSSL.verify(leaf: certificate.text, chain: chain.text, directory: directory)
            #expect(verified, "\(output)")
            #expect(try OpenSSL.text(of: chain.text).contains("rsaEncryption"))

            // In use: refused with the policies that name it.
            let inUse = try await workflow.expect(409, "DELETE", "\(cas)/rsa", on: workflow.registry)
            #expect(inUse.problem?.detail.contains("rsa-issued") == true, "\(inUse.text)")
            try await workflow.expect(404, "DELETE", "\(cas)/never-assigned", on: workflow.registry)
        }
    }
}
