import CLMClient
import CLMContracts
import Foundation
import Testing

/// The certificate inventory's search over PostgreSQL, and what a revocation does to a
/// server-side key still waiting for its download.
@Suite("Certificate inventory", .serialized, .timeLimit(.minutes(5)))
struct InventoryTests {
    @Test("filters, cursor pages in notAfter order, CSV export; a revoked certificate's waiting key is destroyed")
    func searchAndExport() async throws {
        try await RevocationTests.withStack { stack in
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let rita = try await IssuedLeaf.issue(workflow, as: "rita@test.example")
            let bob = try await IssuedLeaf.issue(workflow, as: "bob@test.example")
            let third = try await IssuedLeaf.issue(workflow, as: "bob@test.example")
            #expect(try await rita.revoke(as: "rita@test.example", roles: ["requester"]).status == 201)
            let gateway = workflow.client("ca-gateway")
            func page(_ query: String) async throws -> CertificatePage {
                let answer = try await gateway.send("GET", "/v1/realms/\(realm)/certificates?\(query)")
                guard answer.status == 200 else { throw TestSetupError("\(query): \(answer.status) \(answer.text)") }
                return try answer.decode(CertificatePage.self)
            }
            #expect(try await page("state=revoked").certificates.map(\.serialNumber) == [rita.serial])
            #expect(Set(try await page("state=valid").certificates.map(\.serialNumber)) == [bob.serial, third.serial])
            #expect(try await page("state=expired").certificates.isEmpty)
            #expect(Set(try await page("requester=bob@test.example").certificates.map(\.serialNumber)).count == 2)
            #expect(
                try await page("serial=\(bob.serial.lowercased())").certificates.map(\.serialNumber) == [bob.serial])
            #expect(try await page("q=API.TEST.example").certificates.count == 3)
            #expect(try await page("q=nowhere.example").certificates.isEmpty)
            #expect(try await page("policy=web-server&entity=www").certificates.count == 3)
            #expect(try await page("entity=other").certificates.isEmpty)
            #expect(try await page("expiringWithinDays=365").certificates.count == 2)
            #expect(try await page("expiringWithinDays=1").certificates.isEmpty)
            let invalid = try await gateway.send("GET", "/v1/realms/\(realm)/certificates?state=hold")
            #expect(invalid.status == 400 && invalid.problem?.code == "invalid-query")
            let badCursor = try await gateway.send("GET", "/v1/realms/\(realm)/certificates?cursor=AAAA")
            #expect(badCursor.status == 400 && badCursor.problem?.code == "invalid-cursor")

            // One at a time, soonest expiry first: every certificate once, in order.
            var seen: [CertificateView] = []
            var cursor: String?
            repeat {
                let next = try await page("sort=notAfter&limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += next.certificates
                cursor = next.nextCursor
            } while cursor != nil && seen.count < 10
            #expect(Set(seen.map(\.serialNumber)) == [rita.serial, bob.serial, third.serial] && seen.count == 3)
            #expect(seen.map(\.notAfter) == seen.map(\.notAfter).sorted())

            let csv = try await gateway.send("GET", "/v1/realms/\(realm)/certificates/export?format=csv&state=valid")
            #expect(csv.status == 200 && csv.headers["content-type"]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.count == 3 && lines[0].hasPrefix("ca,serialNumber,state,subject"), "\(csv.text)")
            let json = try await gateway.send("GET", "/v1/realms/\(realm)/certificates/export?format=json")
            #expect((try? json.decode([CertificateView].self))?.count == 3)
            let stranger = stack.client(
                "ca-gateway", token: try stack.token("eve@test.example", roles: ["elsewhere": ["auditor"]]))
            #expect(try await stranger.send("GET", "/v1/realms/\(realm)/certificates").status == 404)
            #expect(try await stranger.send("GET", "/v1/realms/\(realm)/certificates/\(bob.serial)").status == 404)

            // A server-side key not yet downloaded goes with its revoked certificate.
            let password = "correct horse battery staple"
            let submitted = try await workflow.submit(
                SubmitRequestBody(
                    policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: password))
            let id = submitted.id.uuidString
            #expect(try await workflow.waitForFinalState(id).state == .issued)
            let admin = try workflow.client("ca-gateway", as: "kim@test.example", roles: ["realm-admin"])
            let revoked = try await admin.send(
                "POST", "/v1/realms/\(realm)/requests/\(id)/revoke", body: Data(#"{"reason":"keyCompromise"}"#.utf8))
            #expect(revoked.status == 201, "\(revoked.text)")
            // Wait (without downloading) until intake shows the key gone, as the requester would see it.
            let deadline = ContinuousClock.now + .seconds(30)
            var keyStatus = try await workflow.request(id).keyStatus
            while keyStatus != "destroyed (certificate-revoked)" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                keyStatus = try await workflow.request(id).keyStatus
            }
            #expect(keyStatus == "destroyed (certificate-revoked)")
            let download = try await workflow.client("keygen").send(
                "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=pem",
                json: KeyBundleBody(password: password))
            #expect(download.status == 410 && download.problem?.code == "key-destroyed", "\(download.text)")
            #expect(download.problem?.detail.contains("its certificate was revoked") == true, "\(download.text)")
        }
    }
}
