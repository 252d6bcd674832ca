import CLMContracts
import Foundation
import Testing

@Suite("PolicyDocument validation: certificate policies and public TLS profiles")
struct DomainPublicTLSPolicyValidationTests {
    typealias F = DomainFixtures

    /// A date in each step of the schedule: 398, 200 and 100 days.
    static let early2026 = DomainPublicTLSValidityTests.day(2026, 1, 10)
    static let late2026 = DomainPublicTLSValidityTests.day(2026, 12, 1)
    static let mid2027 = DomainPublicTLSValidityTests.day(2027, 6, 1)

    /// A public TLS policy the Baseline Requirements accept in late 2026.
    static func publicTLS(
        keyTemplate: PolicyDocument.KeyTemplate = .init(rsaBits: [2048, 3072], ecCurves: ["P-256", "P-384"]),
        validity: PolicyDocument.Validity = .init(defaultDays: 90, maxDays: 199),
        profile: PolicyDocument.Profile = .init(keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"]),
        policies: [String]? = ["2.23.140.1.2.1"]
    ) -> PolicyDocument {
        var document = F.policy(keyTemplate: keyTemplate, validity: validity, profile: profile)
        document.publicTLS = true
        document.certificatePolicies = policies
        return document
    }

    @Test("a public TLS policy within the rules has no problems; nor has a private one with any OIDs")
    func goodDocuments() {
        #expect(Self.publicTLS().validationProblems(now: Self.late2026).isEmpty)
        var rsaOnly = Self.publicTLS(
            keyTemplate: .init(rsaBits: [2048, 4096]),
            profile: .init(
                keyUsage: ["digitalSignature", "keyEncipherment"], extendedKeyUsage: ["serverAuth", "clientAuth"]),
            policies: ["2.23.140.1.2.2", "1.3.6.1.4.1.99999.1"])
        #expect(rsaOnly.validationProblems(now: Self.late2026).isEmpty)
        rsaOnly.publicTLS = false
        rsaOnly.keyTemplate.eddsa = ["Ed25519"]
        rsaOnly.validity.maxDays = 3650
        #expect(rsaOnly.validationProblems(now: Self.late2026).isEmpty)
        var plain = F.policy()
        plain.certificatePolicies = ["1.3.6.1.4.1.99999.1.2"]
        #expect(plain.validationProblems().isEmpty)
    }

    @Test("certificate policy OIDs are checked one by one, for repeats and for their number")
    func certificatePolicyList() {
        var document = F.policy()
        document.certificatePolicies = ["2.23.140.1.2.1", "2.23.140.1.02", "anyPolicy", "2.23.140.1.2.1"]
        #expect(
            document.validationProblems() == [
                "certificatePolicies[1]: '2.23.140.1.02' has an arc with a leading zero",
                "certificatePolicies[2]: 'anyPolicy' needs at least two arcs, as in 2.23.140.1.2.1",
                "certificatePolicies[3]: '2.23.140.1.2.1' is listed twice",
            ])
        document.certificatePolicies = (1...17).map { "1.3.6.1.4.1.99999.\($0)" }
        #expect(document.validationProblems() == ["certificatePolicies: at most 16 OIDs"])
        document.certificatePolicies = (1...16).map { "1.3.6.1.4.1.99999.\($0)" }
        #expect(document.validationProblems().isEmpty)
    }

    @Test("EdDSA keys are refused in a public TLS policy")
    func eddsaRefused() {
        let document = Self.publicTLS(keyTemplate: .init(ecCurves: ["P-256"], eddsa: ["Ed25519", "Ed448"]))
        #expect(
            document.validationProblems(now: Self.late2026) == [
                "keyTemplate.eddsa: a public TLS policy allows only RSA and ECDSA keys (CA/Browser Forum Baseline "
                    + "Requirements §6.1.5); remove Ed25519, Ed448"
            ])
    }

    @Test(
        "maxDays is held to the limit on the day the policy is written",
        arguments: [
            (early2026, 398, true), (early2026, 399, false), (late2026, 200, true), (late2026, 201, false),
            (late2026, 397, false), (mid2027, 100, true), (mid2027, 101, false),
        ])
    func validityLimit(now: Date, maxDays: Int, accepted: Bool) {
        let problems = Self.publicTLS(validity: .init(defaultDays: 30, maxDays: maxDays)).validationProblems(now: now)
        #expect(problems.isEmpty == accepted, "\(problems)")
        if !accepted {
            let limit = PublicTLSValidity.maxDays(on: now)
            #expect(
                problems == ["validity.maxDays: \(maxDays) exceeds \(limit): \(PublicTLSValidity.rule(on: now))"])
        }
    }

    @Test("the same maxDays under a private policy is not held to the Baseline Requirements")
    func privatePolicyUnlimited() {
        var document = Self.publicTLS(validity: .init(defaultDays: 90, maxDays: 397))
        document.publicTLS = nil
        #expect(document.validationProblems(now: Self.mid2027).isEmpty)
    }

    @Test(
        "a public TLS profile needs serverAuth and digitalSignature and nothing the BR prohibit",
        arguments: [
            (
                ["digitalSignature"], ["clientAuth"],
                ["profile.extendedKeyUsage: a public TLS policy must include serverAuth"]
            ),
            (
                ["digitalSignature"], ["serverAuth", "codeSigning"],
                ["profile.extendedKeyUsage[1]: 'codeSigning' is not allowed in a public TLS certificate"]
            ),
            (
                ["keyEncipherment"], ["serverAuth"],
                [
                    "profile.keyUsage: a public TLS policy must include digitalSignature",
                    "profile.keyUsage[0]: keyEncipherment is prohibited for ECDSA keys",
                ]
            ),
            (
                ["digitalSignature", "nonRepudiation"], ["serverAuth"],
                ["profile.keyUsage[1]: 'nonRepudiation' is not allowed in a public TLS certificate"]
            ),
        ])
    func profileRules(keyUsage: [String], extendedKeyUsage: [String], prefixes: [String]) {
        let document = Self.publicTLS(profile: .init(keyUsage: keyUsage, extendedKeyUsage: extendedKeyUsage))
        let problems = document.validationProblems(now: Self.late2026)
        #expect(problems.count == prefixes.count, "\(problems)")
        for (problem, prefix) in zip(problems, prefixes) { #expect(problem.hasPrefix(prefix), "\(problem)") }
    }

    @Test(
        "a public TLS policy names exactly one reserved CA/Browser Forum policy",
        arguments: [nil, [], ["1.3.6.1.4.1.99999.1"], ["2.23.140.1.2.1", "2.23.140.1.2.2"]] as [[String]?])
    func reservedPolicy(policies: [String]?) {
        let problems = Self.publicTLS(policies: policies).validationProblems(now: Self.late2026)
        #expect(
            problems.count == 1 && problems[0].hasPrefix("certificatePolicies: a public TLS policy names exactly one"))
    }

    @Test("every problem is reported at once, with its path")
    func allProblems() {
        let document = Self.publicTLS(
            keyTemplate: .init(ecCurves: ["P-256"], eddsa: ["Ed25519"]), validity: .init(defaultDays: 90, maxDays: 397),
            profile: .init(keyUsage: ["digitalSignature"], extendedKeyUsage: ["emailProtection"]), policies: nil)
        let paths = document.validationProblems(now: Self.late2026).map { String($0.prefix { $0 != ":" }) }
        #expect(
            paths == [
                "keyTemplate.eddsa", "validity.maxDays", "profile.extendedKeyUsage", "profile.extendedKeyUsage[0]",
                "certificatePolicies",
            ])
    }

    @Test(
        "every demo policy passes the upload schema and validation, the public TLS one included",
        arguments: ["policy.json", "policy-four-eyes.json", "policy-email.json", "policy-public-tls.json"])
    func demoPolicies(file: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let body = try Data(contentsOf: root.appendingPathComponent("deploy/demo/\(file)"))
        #expect(PolicyDocument.schemaProblems(Array(body)).isEmpty)
        let document = try ContractCoding.decoder().decode(PolicyDocument.self, from: body)
        // 47 days is the schedule's last step: the demo policy stays valid however late it is uploaded.
        #expect(document.validationProblems(now: DomainPublicTLSValidityTests.day(2040, 1, 1)).isEmpty)
        #expect(document.isPublicTLS == (file == "policy-public-tls.json"))
    }

    @Test("the upload schema takes both fields and refuses a publicTLS that is not a boolean")
    func schema() throws {
        var document = Self.publicTLS()
        let body = try ContractCoding.encoder().encode(document)
        #expect(PolicyDocument.schemaProblems(Array(body)).isEmpty)
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(
            of: "\"publicTLS\":true", with: "\"publicTLS\":\"yes\"")
        #expect(PolicyDocument.schemaProblems(Array(text.utf8)).contains { $0.hasPrefix("/publicTLS") })
        document.certificatePolicies = [""]
        let empty = try ContractCoding.encoder().encode(document)
        #expect(PolicyDocument.schemaProblems(Array(empty)).contains { $0.hasPrefix("/certificatePolicies/0") })
    }
}
