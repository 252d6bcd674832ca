import CLMContracts
import Foundation
import Testing

@testable import Intake

@Suite("Intake: renewal rules")
struct RenewalRulesTests {
    static func original(entities: [String]? = ["www"]) -> RequestSubmitted {
        var submitted = RequestSubmitted(
            request: UUID(), realm: "acme", requester: "rita@acme.example", policy: "web-server", policyVersion: 2,
            ca: "default", approval: .init(mode: .manual, approvers: 2, automaticRenewal: true),
            subject: [.init(type: "CN", value: "www.acme.example")],
            alternativeNames: [.init(kind: .dns, value: "www.acme.example")], keySource: .csr, publicKey: "AAAA",
            keySpec: nil, validityDays: 90, keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"],
            submittedAt: Date())
        submitted.entities = entities
        return submitted
    }

    static var policy: PolicyDocument {
        PolicyDocument(
            id: "web-server", ca: "default", keyTemplate: .init(rsaBits: [], ecCurves: ["P-256"], eddsa: []),
            validity: .init(defaultDays: 90, maxDays: 90),
            profile: .init(keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"]),
            approval: .init(mode: .manual, approvers: 2, automaticRenewal: true))
    }

    @Test("the requester or a realm admin renews an issued certificate that names its end entities")
    func check() throws {
        let original = Self.original()
        #expect(
            try RenewalRules.check(
                original, state: .issued, serialNumber: "0A", caller: original.requester, isRealmAdmin: false) == [
                    "www"
                ])
        #expect(
            try RenewalRules.check(original, state: .issued, serialNumber: "0A", caller: "kim", isRealmAdmin: true) == [
                "www"
            ])
        #expect(throws: Problem.forbidden("not-requester", "")) {
            try RenewalRules.check(original, state: .issued, serialNumber: "0A", caller: "bob", isRealmAdmin: false)
        }
        #expect(throws: Problem.conflict("not-issued", "")) {
            try RenewalRules.check(
                original, state: .declined, serialNumber: "0A", caller: original.requester, isRealmAdmin: false)
        }
        #expect(throws: Problem.conflict("renewal-unavailable", "")) {
            try RenewalRules.check(
                Self.original(entities: nil), state: .issued, serialNumber: "0A", caller: original.requester,
                isRealmAdmin: false)
        }
    }

    @Test("an unchanged renewal is approved automatically when the policy says so; any change keeps the workflow")
    func automaticWhenUnchanged() {
        let original = Self.original()
        var judged = original
        judged.request = UUID()
        judged.publicKey = "BBBB"  // a new key is no change the approvers judge
        let same = RenewalRules.linking(
            judged, to: original, serialNumber: "0A", revokeOnIssue: true, policy: Self.policy)
        #expect(same.approval.mode == .automatic)
        #expect(
            same.renewalOf
                == RenewalOf(request: original.request, ca: "default", serialNumber: "0A", revokeOnIssue: true))

        var newVersion = judged
        newVersion.policyVersion = 3
        #expect(
            RenewalRules.linking(
                newVersion, to: original, serialNumber: "0A", revokeOnIssue: false, policy: Self.policy
            )
            .approval.mode == .manual)
        var newNames = judged
        newNames.alternativeNames.append(.init(kind: .dns, value: "api.acme.example"))
        #expect(!RenewalRules.isUnchanged(newNames, original: original))
        var strict = Self.policy
        strict.approval.automaticRenewal = nil
        #expect(
            RenewalRules.linking(judged, to: original, serialNumber: "0A", revokeOnIssue: false, policy: strict)
                .approval.mode == .manual)
    }
}
