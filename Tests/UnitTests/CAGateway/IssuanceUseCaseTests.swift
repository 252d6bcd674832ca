import CLMContracts
import CLMCrypto
import CLMStorage
import Foundation
import Logging
import Testing

@testable import CAGateway

@Suite("CA gateway issuance use cases")
struct CAGatewayIssuanceTests {
    let store = FakeCAGatewayStore()
    let logger = Logger(label: "test")

    func approve(_ submitted: RequestSubmitted, issuer: IssueCertificate = CAGatewayFixtures.issuer()) async throws {
        try await store.transaction(logger: logger) { tx in
            try await IssueOnApproval(issuer: issuer)(
                RequestApproved(request: submitted.request, realm: submitted.realm, approvedBy: ["bob"], reason: "ok"),
                in: tx)
        }
    }

    func record(_ submitted: RequestSubmitted) async throws {
        try await store.transaction(logger: logger) { tx in try await RecordOrder()(submitted, in: tx) }
    }

    func generate(_ submitted: RequestSubmitted, spec: String = "ec:P-256") async throws {
        try await store.transaction(logger: logger) { tx in
            try await IssueOnGeneratedKey(issuer: CAGatewayFixtures.issuer())(
                KeyGenerated(
                    request: submitted.request, realm: submitted.realm, keySpec: spec,
                    publicKey: CAGatewayFixtures.publicKey),
                in: tx)
        }
    }

    @Test("an approved CSR order is issued once: certificate, event and audit record")
    func issuesCSROrder() async throws {
        let submitted = CAGatewayFixtures.submitted(keySource: .csr)
        try await record(submitted)
        try await record(submitted)
        #expect(store.state(of: submitted.request) == .waiting)
        try await approve(submitted)
        #expect(store.state(of: submitted.request) == .issued)
        #expect(store.rows[submitted.request]?.order.attempts == 1)
        let certificate = try #require(store.certificates.first)
        #expect(store.certificates.count == 1)
        #expect(certificate.ca == "default" && certificate.realm == "acme" && certificate.request == submitted.request)
        let issued = try #require(store.published.first?.payload as? CertificateIssued)
        #expect(store.published.map(\.type) == [.certificateIssued])
        #expect(issued.serialNumber == certificate.serialNumber && issued.chain == CAGatewayFixtures.authority.chainPEM)
        let leaf = try Certificate(pem: issued.certificate)
        #expect(leaf.subject == certificate.subject)
        #expect(store.audits.count == 1)
        #expect(store.audits[0].hasPrefix("certificate.issued \(submitted.request.lowercasedString) serial "))

        // A replayed approval changes nothing (the processor publishes the events again).
        try await approve(submitted)
        #expect(store.certificates.count == 1 && store.published.count == 1)
    }

    @Test("a server-side order waits for its key, then issues for that key")
    func serverSideKey() async throws {
        let submitted = CAGatewayFixtures.submitted(keySource: .server)
        try await record(submitted)
        try await approve(submitted)
        #expect(store.state(of: submitted.request) == .awaitingKey)
        #expect(store.published.isEmpty && store.certificates.isEmpty)
        try await approve(submitted)
        #expect(store.state(of: submitted.request) == .awaitingKey)
        try await generate(submitted)
        #expect(store.state(of: submitted.request) == .issued)
        #expect(store.published.map(\.type) == [.certificateIssued])
    }

    @Test("events that contradict the order are refused with the old reasons")
    func contradictions() async throws {
        // An approval before its submission is deferred (rolled back, not remembered), so the
        // copy a re-drive sends after the submission is applied.
        let unknown = CAGatewayFixtures.submitted(keySource: .csr)
        await #expect(throws: EventDeferral.self) { try await approve(unknown) }
        do {
            try await approve(unknown)
        } catch let deferral as EventDeferral {
            #expect(
                deferral.reason
                    == "clm.request.approved.v1 for request \(unknown.request) without a known submission yet")
        }
        let early = CAGatewayFixtures.submitted(keySource: .server)
        try await record(early)
        do {
            try await generate(early)
            Issue.record("a key before the approval was accepted")
        } catch let problem as Problem {
            #expect(problem.kind == .refused)
            #expect(problem.detail == "key for request \(early.request) arrived before its approval")
        }
        try await approve(early)
        await #expect(throws: Problem.refused("order-mismatch", "")) { try await generate(early, spec: "rsa:3072") }
        #expect(store.state(of: early.request) == .awaitingKey)
    }

    @Test("a CA out of service delays the order with backoff, then fails it at the limit")
    func retriesThenFails() async throws {
        let submitted = CAGatewayFixtures.submitted(keySource: .csr)
        let issuer = CAGatewayFixtures.issuer(limit: 3)
        try await record(submitted)
        try await store.transaction(logger: logger) { try await $0.setSuspended(ca: "default", reason: "HSM") }
        try await approve(submitted, issuer: issuer)
        #expect(store.state(of: submitted.request) == .retrying)
        let delayed = try #require(store.published.last?.payload as? RequestDelayed)
        #expect(delayed.attempt == 1 && delayed.code == "ca-unavailable")
        #expect(delayed.reason == "CA 'default' is unavailable: HSM")
        #expect(store.rows[submitted.request]?.lastError == delayed.reason)

        let retry = RetryDueIssuance(issuer: issuer, store: store)
        try await retry(logger: logger)
        #expect(store.published.count == 1, "not yet due")
        store.makeRetriesDue()
        try await retry(logger: logger)
        #expect((store.published.last?.payload as? RequestDelayed)?.attempt == 2)
        store.makeRetriesDue()
        try await retry(logger: logger)
        #expect(store.state(of: submitted.request) == .failed)
        let failed = try #require(store.published.last?.payload as? RequestFailed)
        #expect(failed.code == "ca-unavailable" && failed.failedBy == "ca:default")
        #expect(failed.reason == "CA 'default' is unavailable: HSM (gave up after 3 attempts)")
        let target = submitted.request.lowercasedString
        #expect(store.audits.last == "issuance.failed \(target) ca-unavailable: \(failed.reason)")
    }

    @Test("a retried order issues once its CA is back")
    func retryIssues() async throws {
        let submitted = CAGatewayFixtures.submitted(keySource: .csr)
        try await record(submitted)
        try await store.transaction(logger: logger) { try await $0.setSuspended(ca: "default", reason: "HSM") }
        try await approve(submitted)
        _ = try await SetCAAvailability(store: store)(
            CAGatewayFixtures.authority, available: true, reason: nil, by: "ops", logger: logger)
        try await RetryDueIssuance(issuer: CAGatewayFixtures.issuer(), store: store)(logger: logger)
        #expect(store.state(of: submitted.request) == .issued)
        #expect(store.rows[submitted.request]?.order.attempts == 2)
        #expect(store.published.map(\.type) == [.requestDelayed, .certificateIssued])
    }

    @Test("an order for a CA the gateway does not serve fails with unknown-ca")
    func unknownCA() async throws {
        let submitted = CAGatewayFixtures.submitted(keySource: .csr, ca: "elsewhere")
        try await record(submitted)
        try await approve(submitted)
        #expect(store.state(of: submitted.request) == .failed)
        let failed = try #require(store.published.last?.payload as? RequestFailed)
        #expect(failed.code == "unknown-ca" && failed.failedBy == "ca:elsewhere")
        #expect(failed.reason == "CA 'elsewhere' is not served by this gateway")
    }

    @Test("an order whose key cannot be used fails with issuance-failed")
    func issuanceFailed() async throws {
        var submitted = CAGatewayFixtures.submitted(keySource: .csr)
        submitted.keyUsage = ["no-such-usage"]
        try await record(submitted)
        try await approve(submitted)
        #expect(store.state(of: submitted.request) == .failed)
        let failed = try #require(store.published.last?.payload as? RequestFailed)
        #expect(failed.code == "issuance-failed" && failed.reason == "unknown key usage no-such-usage")
        #expect(store.certificates.isEmpty)
    }
}
