import CLMContracts
import Foundation
import Testing

@testable import Intake

@Suite("Intake: request preview")
struct PreviewRulesTests {
    static let body = SubmitRequestBody(policy: "web-server", entities: ["www"])
    static let csrKey = SubmissionRules.Key(
        source: .csr, description: KeyDescription(algorithm: "ec", bits: 256, curve: "P-256"), publicKey: "AAAA",
        discarded: ["subject CN=x"])

    @Test("without a key, everything but the key is judged, and the plan is shown")
    func withoutKey() {
        let preview = PreviewRules.preview(
            Self.body, key: nil, policyVersion: 3, policy: DomainFixtures.policy(),
            entities: [DomainFixtures.entity(DomainFixtures.webServer)])
        #expect(preview.acceptable)
        #expect(preview.policyVersion == 3)
        #expect(preview.subject.last == SubjectAttribute(type: "CN", value: "www.acme.example"))
        #expect(preview.validityDays == 90)
        #expect(preview.key == nil && preview.csr == nil)
    }

    @Test("each broken constraint is named with its attribute and rule, and nothing is planned")
    func mismatch() {
        var policy = DomainFixtures.policy()
        policy.constraints = SubjectConstraints(
            attributes: ["commonName": .init(presence: .required, pattern: "^[a-z]+\\.acme\\.example$")])
        var attributes = DomainFixtures.webServer
        attributes.commonName = "intranet"
        let preview = PreviewRules.preview(
            Self.body, key: Self.csrKey, policyVersion: 1, policy: policy,
            entities: [DomainFixtures.entity(attributes)])
        #expect(!preview.acceptable)
        #expect(
            preview.violations == [
                .init(attribute: "commonName", rule: "'intranet' does not match /^[a-z]+\\.acme\\.example$/")
            ])
        #expect(preview.subject.isEmpty && preview.validityDays == nil)
        #expect(preview.csr?.discarded == ["subject CN=x"])
    }

    @Test("a key the policy does not allow, and a missing address under e-mail approval, are violations")
    func keyAndAddress() {
        let rsa = SubmissionRules.Key(
            source: .server, description: KeyDescription(algorithm: "rsa", bits: 1024), spec: "rsa:1024")
        var attributes = DomainFixtures.webServer
        attributes.email = nil
        let preview = PreviewRules.preview(
            Self.body, key: rsa, policyVersion: 1, policy: DomainFixtures.policy(approval: .init(mode: .email)),
            entities: [DomainFixtures.entity(attributes)])
        #expect(!preview.acceptable)
        #expect(preview.violations.map(\.attribute).contains("www.email"))
        #expect(preview.violations.count == 2)
        #expect(preview.key?.description == "RSA-1024" && preview.csr == nil)
    }

    @Test("a suggested validity above the maximum is cut, with the note")
    func validityCut() {
        var body = Self.body
        body.validityDays = 1000
        let preview = PreviewRules.preview(
            body, key: Self.csrKey, policyVersion: 1, policy: DomainFixtures.policy(),
            entities: [DomainFixtures.entity(DomainFixtures.webServer)])
        #expect(preview.acceptable && preview.validityDays == 397)
        #expect(preview.validityNote?.contains("at most 397") == true)
    }

    @Test("a preview needs no key and no password; a submission still does")
    func previewKey() throws {
        #expect(try SubmissionRules.checkedKey(Self.body, preview: true) == nil)
        var server = Self.body
        server.keyGeneration = "ec:P-256"
        #expect(try SubmissionRules.checkedKey(server, preview: true)?.password == nil)
        #expect(throws: Problem.self) { try SubmissionRules.checkedKey(server) }
        #expect(throws: Problem.self) { try SubmissionRules.checkedKey(Self.body) }
    }
}
