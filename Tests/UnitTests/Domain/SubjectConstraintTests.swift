import CLMContracts
import Testing

@testable import Intake

/// Every constraint type blocks with a reason naming the attribute and the rule.
@Suite("Subject and SAN constraints")
struct SubjectConstraintTests {
    typealias F = DomainFixtures
    let key = KeyDescription(algorithm: "ec", bits: 256, curve: "P-256")

    func judge(_ constraints: SubjectConstraints, _ entities: [EndEntity] = [F.entity(F.webServer)]) -> [String] {
        var policy = F.policy()
        policy.constraints = constraints
        switch RequestPlanner.plan(policy: policy, entities: entities, key: key, suggestedValidityDays: nil) {
        case .success: return []
        case .failure(let violations): return violations.items.map(\.description)
        }
    }

    @Test("a policy whose constraints all hold lets the request through")
    func allSatisfied() {
        let constraints = SubjectConstraints(
            attributes: [
                "commonName": .init(presence: .required, pattern: "[a-z]+\\.acme\\.example"),
                "organization": .init(value: "ACME Corp"), "uris": .init(presence: .optional),
            ],
            allowedDNSSuffixes: ["acme.example"], allowedEmailDomains: ["ACME.example"],
            allowedIPRanges: ["192.0.2.0/24", "2001:db8::/32"], minSANs: 1, maxSANs: 10)
        #expect(judge(constraints) == [])
    }

    @Test("a required attribute that is missing is named")
    func required() {
        let entity = F.entity(.init(commonName: "www.acme.example"))
        #expect(
            judge(.init(attributes: ["organization": .init(presence: .required)]), [entity])
                == ["organization: required by the policy but missing"])
    }

    @Test("a forbidden attribute that is present is named")
    func forbidden() {
        #expect(judge(.init(attributes: ["email": .init(presence: .forbidden)])) == ["email: forbidden by the policy"])
    }

    @Test("a fixed value must match exactly")
    func fixedValue() {
        #expect(judge(.init(attributes: ["country": .init(value: "FR")])) == ["country: 'DE' must be 'FR'"])
    }

    @Test("a pattern must match the whole value, for every value of a list")
    func pattern() {
        #expect(
            judge(.init(attributes: ["commonName": .init(pattern: "www")]))
                == ["commonName: 'www.acme.example' does not match /www/"])
        let violations = judge(.init(attributes: ["dnsNames": .init(pattern: "www\\..*")]))
        #expect(violations == ["dnsNames: 'acme.example' does not match /www\\..*/"])
    }

    @Test("DNS names outside the allowed suffixes are named; a suffix does not match a look-alike")
    func dnsSuffix() {
        let entity = F.entity(
            .init(commonName: "x", dnsNames: ["www.acme.example", "evilacme.example", "acme.example"]))
        #expect(
            judge(.init(allowedDNSSuffixes: ["acme.example"]), [entity])
                == ["dnsNames: 'evilacme.example' is not in an allowed domain (acme.example)"])
    }

    @Test("e-mail domains are compared case-insensitively and exactly")
    func emailDomain() {
        #expect(judge(.init(allowedEmailDomains: ["acme.example"])) == [])
        #expect(
            judge(.init(allowedEmailDomains: ["example"]))
                == ["email: 'webmaster@acme.example' is not in an allowed domain (example)"])
    }

    @Test("IP addresses must fall in an allowed range, IPv4 and IPv6")
    func ipRanges() {
        #expect(
            judge(.init(allowedIPRanges: ["192.0.2.0/24"]))
                == ["ipAddresses: 2001:db8::10 is not in an allowed range (192.0.2.0/24)"])
        #expect(
            judge(.init(allowedIPRanges: ["192.0.2.0/28", "2001:db8::/127"]))
                == ["ipAddresses: 2001:db8::10 is not in an allowed range (192.0.2.0/28, 2001:db8::/127)"])
    }

    @Test("SAN count limits count every SAN of every entity")
    func sanCount() {
        // webServer has 2 DNS + 2 IP + 1 e-mail + 1 URI = 6 SANs.
        #expect(judge(.init(maxSANs: 5)) == ["subjectAltNames: 6 SANs; the policy allows at most 5"])
        #expect(judge(.init(minSANs: 7)) == ["subjectAltNames: 6 SANs; the policy needs at least 7"])
        #expect(judge(.init(minSANs: 6, maxSANs: 6)) == [])
    }

    @Test("with several entities, each violation names the entity")
    func severalEntities() {
        let good = F.entity(.init(commonName: "a", organization: "ACME"), id: "good")
        let bad = F.entity(.init(commonName: "b"), id: "bad")
        #expect(
            judge(.init(attributes: ["organization": .init(presence: .required)]), [good, bad])
                == ["bad.organization: required by the policy but missing"])
    }

    @Test(
        "CIDR containment",
        arguments: [
            ("10.0.0.0/8", "10.255.1.1", true), ("10.0.0.0/8", "11.0.0.1", false), ("192.0.2.7", "192.0.2.7", true),
            ("192.0.2.0/25", "192.0.2.128", false), ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false), ("0.0.0.0/0", "203.0.113.9", true),
            ("10.0.0.0/8", "::ffff:10.0.0.1", false),
        ])
    func cidr(_ range: String, _ ip: String, _ expected: Bool) {
        #expect(CIDR(range)?.contains(ip) == expected)
    }

    @Test(
        "invalid constraints are refused with their path",
        arguments: [
            (
                SubjectConstraints(attributes: ["nickname": .init(presence: .required)]),
                "constraints.attributes.nickname"
            ),
            (
                SubjectConstraints(attributes: ["commonName": .init(pattern: "(")]),
                "constraints.attributes.commonName.pattern"
            ),
            (
                SubjectConstraints(attributes: ["email": .init(presence: .forbidden, value: "x")]),
                "constraints.attributes.email"
            ),
            (SubjectConstraints(attributes: ["dnsNames": .init(value: "x")]), "constraints.attributes.dnsNames.value"),
            (SubjectConstraints(allowedIPRanges: ["10.0.0.0/33"]), "constraints.allowedIPRanges[0]"),
            (SubjectConstraints(allowedEmailDomains: ["a@b"]), "constraints.allowedEmailDomains[0]"),
            (SubjectConstraints(minSANs: 3, maxSANs: 2), "constraints.minSANs"),
        ])
    func invalidConstraints(_ constraints: SubjectConstraints, _ path: String) {
        var policy = F.policy()
        policy.constraints = constraints
        let problems = policy.validationProblems()
        #expect(problems.contains { $0.hasPrefix(path + ":") }, "\(problems)")
    }
}
