import CLMClient
import CLMContracts
import Foundation
import Synchronization
import Testing

/// Revocations and renewals in the chaos test's stream: every so often it takes a valid
/// certificate of the realm and either revokes it or renews it (with a new CSR, superseding the
/// old one on issue), retrying through outages as a careful client would (a revoke is
/// idempotent; a renewal carries its own Idempotency-Key).
final class LifecycleStream: Sendable {
    let workflow: Workflow
    let csr: String
    private let state = Mutex(
        (
            revoked: [String](), renewals: [(id: String, old: String)](), handled: Set<String>(), refusals: [String](),
            stopped: false
        ))

    init(workflow: Workflow, csr: String) {
        self.workflow = workflow
        self.csr = csr
    }

    /// Serials whose revoke call answered 200 or 201.
    var revoked: [String] { state.withLock { $0.revoked } }
    /// Renewal requests and the serials they supersede.
    var renewals: [(id: String, old: String)] { state.withLock { $0.renewals } }
    var refusals: [String] { state.withLock { $0.refusals } }
    func stop() { state.withLock { $0.stopped = true } }

    func run() async {
        var turn = 0
        while !state.withLock({ $0.stopped }) && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(700))
            guard let serial = await nextValid() else { continue }
            turn += 1
            if turn % 2 == 0 { await revoke(serial) } else { await renew(serial) }
        }
    }

    private func nextValid() async -> String? {
        guard
            let answer = try? await workflow.client("ca-gateway").send(
                "GET", "/v1/realms/\(workflow.realm)/certificates?state=valid&limit=20"),
            answer.status == 200, let page = try? answer.decode(CertificatePage.self)
        else { return nil }
        return state.withLock { state in
            guard let serial = page.certificates.map(\.serialNumber).first(where: { !state.handled.contains($0) })
            else { return nil }
            state.handled.insert(serial)
            return serial
        }
    }

    private func revoke(_ serial: String) async {
        let body = Data(#"{"reason":"keyCompromise","comment":"chaos"}"#.utf8)
        await retrying("revoke \(serial)") {
            try await self.workflow.client("ca-gateway").send(
                "POST", "/v1/realms/\(self.workflow.realm)/certificates/\(serial)/revoke", body: body)
        } done: { answer in
            self.state.withLock { $0.revoked.append(serial) }
            _ = answer
        }
    }

    private func renew(_ serial: String) async {
        let key = UUID().uuidString
        let body = RenewBody(csr: csr, revokeOnIssue: true)
        await retrying("renew \(serial)") {
            try await self.workflow.intake.send(
                "POST", "/v1/realms/\(self.workflow.realm)/certificates/\(serial)/renew", json: body,
                headers: ["Idempotency-Key": key])
        } done: { answer in
            if let id = (try? answer.decode(RequestView.self))?.id.uuidString {
                self.state.withLock { $0.renewals.append((id, serial)) }
            }
        }
    }

    /// Calls until a 2xx (then `done`) or a refusal that is not an outage (recorded), for up to two minutes.
    private func retrying(
        _ what: String, _ call: @Sendable () async throws -> CLMClient.Answer,
        done: @Sendable (CLMClient.Answer) -> Void
    ) async {
        let deadline = ContinuousClock.now + .seconds(120)
        var last = ""
        while ContinuousClock.now < deadline {
            if let answer = try? await call() {
                if (200..<300).contains(answer.status) { return done(answer) }
                last = "\(answer.status): \(answer.text)"
                // A renewal may find intake's copy of the request not yet `issued`: retry that too.
                if answer.status < 500 && answer.problem?.code != "not-issued" && answer.status != 404 {
                    state.withLock { $0.refusals.append("\(what): \(last)") }
                    return
                }
            }
            try? await Task.sleep(for: .milliseconds(300))
        }
        state.withLock { $0.refusals.append("\(what): gave up: \(last)") }
    }

    /// Every revoked or superseded serial is on the CA's CRL and revoked on OCSP, and each was
    /// revoked exactly once (one revocation row, one audit record, one event).
    func expectEveryRevocationPublished(_ stack: TestStack) async throws {
        let superseded = renewals.map(\.old)
        let expected = Set(revoked + superseded)
        let db = stack.database
        let realm = workflow.realm
        let rows = Set(try db.query("SELECT serial_number FROM ca_gateway.revocations WHERE realm = '\(realm)'"))
        #expect(rows.isSuperset(of: expected), "revocations missing: \(expected.subtracting(rows))")
        #expect(
            try db.query(
                """
                SELECT target FROM ca_gateway.audit WHERE realm = '\(realm)' AND action = 'certificate.revoked'
                GROUP BY target HAVING count(*) <> 1
                """
            ).isEmpty, "a revocation was applied twice")
        #expect(
            try db.scalar(
                "SELECT count(*) FROM ca_gateway.audit WHERE realm = '\(realm)' AND action = 'certificate.revoked'")
                == "\(rows.count)")
        let directory = try temporaryDirectory()
        let anonymous = stack.client("ca-gateway", token: nil)
        let crl = try await anonymous.send("GET", "/v1/cas/default/crl", headers: ["Accept": "application/x-pem-file"])
        let listed = try IntegrationTests.run(OpenSSL.path, ["crl", "-noout", "-text"], input: crl.text).stdout
        let chain = try await workflow.client("ca-gateway").send("GET", "/v1/cas/default/chain").text
        let issuing = chain.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
        let issuer = directory.appendingPathComponent("issuing.pem")
        try issuing.write(to: issuer, atomically: true, encoding: .utf8)
        let url = stack["ca-gateway"].baseURL.absoluteString + "/v1/cas/default/ocsp"
        for serial in expected.sorted() {
            #expect(listed.contains("Serial Number: \(serial)"), "\(serial) not on the CRL")
            let ocsp = try IntegrationTests.run(
                OpenSSL.path, ["ocsp", "-issuer", issuer.path, "-serial", "0x\(serial)", "-url", url, "-noverify"])
            #expect(ocsp.stdout.contains(": revoked"), "\(serial) on OCSP: \(ocsp.stdout) \(ocsp.stderr)")
        }
        for (_, old) in renewals {
            #expect(
                try db.scalar(
                    "SELECT reason FROM ca_gateway.revocations WHERE realm = '\(realm)' AND serial_number = '\(old)'")
                    == "superseded" || revoked.contains(old))
        }
    }
}
