import CLMContracts
import CLMCrypto
import Foundation
import Testing

@testable import Intake

/// A whole submission under a public TLS policy, as `SubmitRequest` judges it (today's date).
@Suite("SubmissionRules under a public TLS policy")
struct DomainPublicTLSSubmissionTests {
    typealias Policies = DomainPublicTLSPolicyValidationTests

    /// Valid for as long as the schedule runs: 47 days is its last step.
    static var policy: PolicyDocument {
        var document = Policies.publicTLS(validity: .init(defaultDays: 30, maxDays: 47))
        document.keyTemplate.eddsa = ["Ed25519"]  // as a policy stored before the rules existed could
        return document
    }

    static let entity = EndEntity(
        id: "www", kind: .device, attributes: .init(commonName: "www.acme.example", dnsNames: ["www.acme.example"]))

    private func judge(_ body: SubmitRequestBody) throws -> RequestSubmitted {
        let key = try SubmissionRules.checkedKey(body)
        return try SubmissionRules.judge(
            body, key: key, realm: "acme", requester: "alice@acme.example", policyVersion: 1, policy: Self.policy,
            entities: [Self.entity]
        ).0
    }

    private func refusal(_ body: SubmitRequestBody) -> Problem? {
        do {
            _ = try judge(body)
            return nil
        } catch let problem as Problem {
            return problem
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test("an accepted request carries the policy's OIDs to the CA and the submission date's validity")
    func accepted() throws {
        let submitted = try judge(
            SubmitRequestBody(
                policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: "correct horse battery"
            ))
        #expect(submitted.certificatePolicies == ["2.23.140.1.2.1"])
        #expect(submitted.validityDays == 30)
    }

    @Test("a server-side EdDSA key is a policy violation")
    func serverSideEdDSA() {
        let problem = refusal(
            SubmitRequestBody(
                policy: "web-server", entities: ["www"], keyGeneration: "ed25519", keyPassword: "correct horse battery")
        )
        #expect(problem?.code == "policy-mismatch")
        #expect(problem?.violations.first?.hasPrefix("key: Ed25519 is not allowed in a public TLS certificate") == true)
    }

    @Test("a CSR with an EdDSA key is a policy violation")
    func csrEdDSA() throws {
        let scratch = try CryptoScratch()
        try scratch.opensslOK([
            "req", "-new", "-newkey", "ed25519", "-nodes", "-keyout", "k.pem", "-subj", "/CN=x", "-out", "r.csr",
        ])
        let csr = String(decoding: try scratch.read("r.csr"), as: UTF8.self)
        let problem = refusal(SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr))
        #expect(problem?.code == "policy-mismatch")
        #expect(problem?.violations.first?.hasPrefix("key: Ed25519 is not allowed in a public TLS certificate") == true)
    }

    @Test("asking for more days than the Baseline Requirements allow today is refused, not shortened")
    func tooLong() {
        let problem = refusal(
            SubmitRequestBody(
                policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", validityDays: 399,
                keyPassword: "correct horse battery"))
        #expect(problem?.code == "policy-mismatch")
        #expect(
            problem?.violations == [
                "validityDays: 399 days is too long for a public TLS certificate: \(PublicTLSValidity.rule(on: Date()))"
            ])
    }

    @Test("a policy without OIDs sends none")
    func noOIDs() throws {
        var policy = DomainFixtures.policy()
        policy.certificatePolicies = []
        let body = SubmitRequestBody(
            policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: "correct horse battery")
        let submitted = try SubmissionRules.judge(
            body, key: try SubmissionRules.checkedKey(body), realm: "acme", requester: "alice", policyVersion: 1,
            policy: policy, entities: [Self.entity]
        ).0
        #expect(submitted.certificatePolicies == nil)
    }
}
