import CLMContracts
import Foundation
import Testing

@testable import Intake

/// Intake's half of the public TLS profile: what a request under such a policy must bring.
@Suite("RequestPlanner under a public TLS policy")
struct DomainPublicTLSPlannerTests {
    typealias F = DomainFixtures
    typealias Policies = DomainPublicTLSPolicyValidationTests

    static let server = EndEntity.Attributes(
        commonName: "www.acme.example", dnsNames: ["www.acme.example", "acme.example"])
    static let p256 = KeyDescription(algorithm: "ec", bits: 256, curve: "P-256")

    /// A policy that allows every key (Ed25519 too, as a policy stored before the rules could), so
    /// only the Baseline Requirements refuse.
    static func policy(validity: PolicyDocument.Validity = .init(defaultDays: 90, maxDays: 199)) -> PolicyDocument {
        var document = Policies.publicTLS(validity: validity)
        document.keyTemplate = .init(
            rsaBits: [1024, 2048, 3072], ecCurves: ["P-256", "P-384", "P-521"], eddsa: ["Ed25519", "Ed448"])
        return document
    }

    private func plan(
        _ policy: PolicyDocument = policy(), entities: [EndEntity] = [F.entity(server)], key: KeyDescription = p256,
        days: Int? = nil, on date: Date = Policies.late2026
    ) -> Result<RequestPlan, PolicyViolations> {
        RequestPlanner.plan(policy: policy, entities: entities, key: key, suggestedValidityDays: days, on: date)
    }

    private func violations(_ result: Result<RequestPlan, PolicyViolations>) -> [String] {
        if case .failure(let failure) = result { return failure.items.map(\.description) }
        return []
    }

    @Test("a DV request with a DNS name and an ECDSA key is planned as asked")
    func accepted() throws {
        let plan = try plan(days: 30).get()
        #expect(plan.subject == [SubjectAttribute(type: "CN", value: "www.acme.example")])
        #expect(plan.alternativeNames.map(\.value) == ["www.acme.example", "acme.example"])
        #expect(plan.validityDays == 30 && plan.validityNote == nil)
    }

    @Test(
        "keys outside the Baseline Requirements are a violation, whatever the template allows",
        arguments: [
            (KeyDescription(algorithm: "ed25519", bits: 256), false),
            (KeyDescription(algorithm: "ed448", bits: 456), false),
            (KeyDescription(algorithm: "rsa", bits: 1024), false), (KeyDescription(algorithm: "rsa", bits: 2048), true),
            (KeyDescription(algorithm: "rsa", bits: 3072), true),
            (KeyDescription(algorithm: "ec", bits: 521, curve: "P-521"), true),
        ])
    func keys(key: KeyDescription, allowed: Bool) {
        let found = violations(plan(key: key))
        if allowed {
            #expect(found.isEmpty, "\(found)")
        } else {
            #expect(found == [PublicTLSRules.keyViolation(key)!.description])
            #expect(found[0].hasPrefix("key: \(key.label) is not allowed in a public TLS certificate"))
        }
    }

    @Test("RSA moduli must be a multiple of 8 and at least 2048 bits; only the BR curves")
    func keyRuleTable() {
        #expect(PublicTLSRules.keyViolation(.init(algorithm: "rsa", bits: 2056)) == nil)
        #expect(PublicTLSRules.keyViolation(.init(algorithm: "rsa", bits: 2052)) != nil)
        #expect(PublicTLSRules.keyViolation(.init(algorithm: "rsa", bits: 2040)) != nil)
        #expect(PublicTLSRules.keyViolation(.init(algorithm: "ec", bits: 256, curve: "secp256k1")) != nil)
        #expect(PublicTLSRules.keyViolation(.init(algorithm: "ec", bits: 384, curve: "P-384")) == nil)
    }

    @Test("a request without a DNS name, or with e-mail or URI names, is a violation")
    func names() {
        let ipOnly = EndEntity.Attributes(ipAddresses: ["192.0.2.10"])
        #expect(
            violations(plan(entities: [F.entity(ipOnly)])) == [
                "dnsNames: a public TLS certificate needs at least one DNS name (end entity dnsNames)"
            ])
        let mixed = EndEntity.Attributes(
            commonName: "www.acme.example", email: "web@acme.example", dnsNames: ["www.acme.example"],
            uris: ["https://acme.example/"])
        #expect(
            violations(plan(entities: [F.entity(mixed)])).map { String($0.prefix { $0 != ":" }) } == ["email", "uris"])
    }

    @Test("the common name must repeat a DNS name or IP address; a DV subject holds nothing else but the country")
    func subject() {
        let stray = EndEntity.Attributes(commonName: "Web Server", dnsNames: ["www.acme.example"])
        #expect(
            violations(plan(entities: [F.entity(stray)])) == [
                "commonName: in a public TLS certificate it must repeat one of the DNS names or IP addresses"
            ])
        let upper = EndEntity.Attributes(commonName: "WWW.Acme.Example", country: "DE", dnsNames: ["www.acme.example"])
        #expect(violations(plan(entities: [F.entity(upper)])).isEmpty)
        let organization = EndEntity.Attributes(
            commonName: "www.acme.example", organization: "ACME", locality: "Berlin", dnsNames: ["www.acme.example"])
        #expect(
            violations(plan(entities: [F.entity(organization)])) == [
                "locality: a domain-validated certificate's subject holds only commonName and country",
                "organization: a domain-validated certificate's subject holds only commonName and country",
            ])
        var ov = Self.policy()
        ov.certificatePolicies = ["2.23.140.1.2.2"]
        #expect(violations(plan(ov, entities: [F.entity(organization)])).isEmpty)
    }

    @Test("a policy without serverAuth (stored before the rules) cannot issue a public TLS certificate")
    func serverAuth() {
        var policy = Self.policy()
        policy.profile.extendedKeyUsage = ["clientAuth"]
        #expect(violations(plan(policy)) == ["extendedKeyUsage: a public TLS certificate needs serverAuth"])
    }

    @Test(
        "an explicit validity above the limit of the submission day is refused with the rule",
        arguments: [
            (Policies.early2026, 398, true), (Policies.early2026, 399, false), (Policies.late2026, 200, true),
            (Policies.late2026, 201, false), (Policies.mid2027, 100, true), (Policies.mid2027, 101, false),
        ])
    func explicitValidity(date: Date, days: Int, accepted: Bool) throws {
        let policy = Self.policy(validity: .init(defaultDays: 90, maxDays: 398))
        let result = plan(policy, days: days, on: date)
        if accepted {
            let plan = try result.get()
            #expect(plan.validityDays == days && plan.validityNote == nil)
        } else {
            #expect(
                violations(result) == [
                    "validityDays: \(days) days is too long for a public TLS certificate: "
                        + PublicTLSValidity.rule(on: date)
                ])
        }
    }

    @Test("the policy's default is cut to the limit in force, with a note naming the rule")
    func defaultClamped() throws {
        let policy = Self.policy(validity: .init(defaultDays: 397, maxDays: 397))
        let plan = try plan(policy, on: Policies.mid2027).get()
        #expect(plan.validityDays == 100)
        #expect(
            plan.validityNote
                == "the policy's default of 397 days cut to 100: \(PublicTLSValidity.rule(on: Policies.mid2027))")
        #expect(try self.plan(policy, on: Policies.early2026).get().validityDays == 397)
    }

    @Test("a request within the limit but above the policy's maximum is cut to the policy's, as under any policy")
    func policyMaximum() throws {
        let plan = try plan(Self.policy(validity: .init(defaultDays: 30, maxDays: 60)), days: 150).get()
        #expect(plan.validityDays == 60)
        #expect(plan.validityNote == "requested 150 days cut to 60: the policy allows at most 60")
    }

    @Test("without publicTLS nothing of this applies")
    func privatePolicy() throws {
        var policy = Self.policy(validity: .init(defaultDays: 397, maxDays: 397))
        policy.publicTLS = false
        let ed25519 = KeyDescription(algorithm: "ed25519", bits: 256)
        let mixed = EndEntity.Attributes(commonName: "Web", email: "web@acme.example")
        let plan = try plan(policy, entities: [F.entity(mixed)], key: ed25519, days: 397, on: Policies.mid2027).get()
        #expect(plan.validityDays == 397)
    }
}
