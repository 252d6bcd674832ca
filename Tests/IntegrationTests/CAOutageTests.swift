import CLMClient
import CLMContracts
import Foundation
import Testing

/// A CA out of service: requests wait with backoff and say why, issue once it is back, and
/// fail with the CA's reason after the retry limit. Several CAs with different key types.
@Suite("CA outage", .serialized, .timeLimit(.minutes(5)))
struct CAOutageTests {
    @Test(
        "requests wait while the CA is unavailable, show why, and issue exactly once when it returns; past the limit they fail"
    )
    func outageAndRecovery() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            let gateway = stack["ca-gateway"]
            gateway.setEnvironment("CLM_CAS", "default=ec:P-256,spare=ed25519")
            gateway.setEnvironment("CLM_CA_RETRY_INITIAL_MS", "300")
            gateway.setEnvironment("CLM_CA_RETRY_MAX_SECONDS", "4")
            gateway.setEnvironment("CLM_CA_RETRY_LIMIT", "6")
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let ca = workflow.client("ca-gateway")
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())

            // Only the platform admin operates CAs; a reason is required to take one out.
            let admin = try workflow.client("ca-gateway", as: "ada@test.example", roles: ["realm-admin"])
            #expect(
                try await admin.send(
                    "PUT", "/v1/cas/default/availability", json: CAAvailabilityBody(available: false, reason: "x")
                ).status == 403)
            try await workflow.expect(
                400, "PUT", "/v1/cas/default/availability", on: ca, CAAvailabilityBody(available: false))
            try await workflow.expect(
                404, "PUT", "/v1/cas/nope/availability", on: ca, CAAvailabilityBody(available: false, reason: "x"))

            // Outage long enough to exhaust the limit: 6 attempts, 0.3 s doubling to at most 4 s apart.
            try await workflow.expect(
                200, "PUT", "/v1/cas/default/availability", on: ca,
                CAAvailabilityBody(available: false, reason: "HSM maintenance"))
            let entries = try await ca.send("GET", "/v1/cas").decode([AuthorityView].self)
            let entry = entries.first { $0.name == "default" }
            #expect(entry?.available == false, "\(entries)")
            #expect(entry?.unavailableReason?.contains("HSM maintenance") == true)
            #expect(entries.first { $0.name == "spare" }?.available == true)

            let doomed = try await workflow.submit(csr: csr)
            let failed = try await workflow.waitForFinalState(doomed, timeout: .seconds(60))
            #expect(failed.state == .failed, "\(failed)")
            let failReason = failed.history?.last?.reason ?? ""
            #expect(failReason.contains("ca-unavailable") && failReason.contains("HSM maintenance"), "\(failReason)")
            #expect(failReason.contains("after 6 attempts"), "\(failReason)")
            let delays = (failed.history ?? []).filter { $0.reason.contains("next at") }
            #expect(delays.count == 5, "one delay notice per retried attempt: \(delays)")

            // A request during the outage waits and shows the notice; when the CA returns (well
            // within the ~8 s the limit allows) it issues at once, exactly one certificate.
            let waiting = try await workflow.submit(csr: csr)
            var seen: RequestView?
            try await waitUntil("request \(waiting) shows the CA notice") {
                seen = try await workflow.request(waiting)
                return (seen?.notice ?? "").contains("ca-unavailable")
            }
            #expect(seen?.state == .approved, "\(String(describing: seen))")
            let notice = seen?.notice ?? ""
            #expect(notice.contains("HSM maintenance"), "\(notice)")
            try await workflow.expect(
                200, "PUT", "/v1/cas/default/availability", on: ca, CAAvailabilityBody(available: true))
            let issued = try await workflow.waitForFinalState(waiting, timeout: .seconds(60))
            #expect(issued.state == .issued, "\(issued)")
            #expect(issued.notice == nil, "the notice clears on issuance: \(issued)")
            let db = stack.database
            #expect(
                try db.scalar("SELECT count(*) FROM ca_gateway.certificates WHERE request_id = '\(waiting)'") == "1")
            #expect(try db.scalar("SELECT count(*) FROM ca_gateway.certificates WHERE request_id = '\(doomed)'") == "0")
        }
    }
}
