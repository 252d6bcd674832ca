import CLMContracts
import Foundation
import Testing

@testable import Intake

/// Intake copies a policy's expiry warnings into the submission, in seconds, for the CA
/// gateway to keep with the certificate.
@Suite("SubmissionRules: expiry warnings")
struct ExpiryWarningSubmissionTests {
    static let entity = EndEntity(
        id: "www", kind: .device, attributes: .init(commonName: "www.acme.example", dnsNames: ["www.acme.example"]))

    private func judge(warnings: [String]?) throws -> RequestSubmitted {
        var policy = DomainFixtures.policy()
        policy.expiryWarnings = warnings
        let body = SubmitRequestBody(
            policy: policy.id, entities: ["www"], keyGeneration: "ec:P-256", keyPassword: "correct horse battery")
        return try SubmissionRules.judge(
            body, key: try SubmissionRules.checkedKey(body), realm: "acme", requester: "alice@acme.example",
            policyVersion: 1, policy: policy, entities: [Self.entity]
        ).0
    }

    @Test("the thresholds travel as seconds, longest first; none when the policy has none")
    func copied() throws {
        #expect(try judge(warnings: ["7d", "30d", "1h"]).expiryWarningSeconds == [2_592_000, 604_800, 3_600])
        #expect(try judge(warnings: nil).expiryWarningSeconds == nil)
    }
}
