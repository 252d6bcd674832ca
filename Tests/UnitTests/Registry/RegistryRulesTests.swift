import CLMContracts
import Testing

@testable import Registry

@Suite("Registry validation rules")
struct RegistryRulesTests {
    @Test("roles are deduplicated and sorted; none or unknown ones are refused")
    func roles() throws {
        let grantable = MemberSnapshot.grantableRoles.sorted()
        let some = Array(grantable.prefix(2))
        #expect(try RegistryRules.validateRoles(some + some.reversed()) == some)
        #expect(throws: Problem.invalid("invalid-field", "")) { try RegistryRules.validateRoles([]) }
        do {
            _ = try RegistryRules.validateRoles(["root", grantable[0]])
            Issue.record("an unknown role was accepted")
        } catch let problem as Problem {
            #expect(problem.kind == .invalid && problem.code == "invalid-field")
            #expect(problem.detail == "roles: 'root' not one of \(grantable.joined(separator: ", "))")
        }
    }

    @Test("a realm's CA list holds at most 32 distinct identifiers")
    func caLists() throws {
        try RegistryRules.validateCAList(["default", "rsa"])
        try RegistryRules.validateCAList([])
        #expect(throws: Problem.invalid("invalid-field", "")) {
            try RegistryRules.validateCAList((0..<33).map { "ca-\($0)" })
        }
        #expect(throws: Problem.invalid("invalid-identifier", "")) { try RegistryRules.validateCAList(["Bad CA"]) }
        #expect(throws: Problem.invalid("invalid-field", "")) { try RegistryRules.validateCAList(["a", "a"]) }
    }

    @Test("a public TLS policy upload with EdDSA keys is refused as invalid-policy, naming the rule")
    func publicTLSPolicy() throws {
        let body = """
            {"id": "public-web", "ca": "default", "publicTLS": true, "certificatePolicies": ["2.23.140.1.2.1"],
             "keyTemplate": {"rsaBits": [2048], "ecCurves": ["P-256"], "eddsa": ["Ed25519"]},
             "validity": {"defaultDays": 30, "maxDays": 47},
             "profile": {"keyUsage": ["digitalSignature"], "extendedKeyUsage": ["serverAuth"]},
             "approval": {"mode": "automatic"}}
            """
        do {
            _ = try RegistryRules.policyDocument(Array(body.utf8), existing: nil)
            Issue.record("a public TLS policy allowing Ed25519 was accepted")
        } catch let problem as Problem {
            #expect(problem.code == "invalid-policy")
            #expect(problem.violations.count == 1 && problem.violations[0].hasPrefix("keyTemplate.eddsa: "))
        }
        let fixed = body.replacingOccurrences(of: "[\"Ed25519\"]", with: "[]")
        let document = try RegistryRules.policyDocument(Array(fixed.utf8), existing: nil)
        #expect(document.isPublicTLS && document.certificatePolicies == ["2.23.140.1.2.1"])
    }

    @Test("the registry owns the memberships: it consumes no topic and handles no event")
    func definition() {
        #expect(RegistryModule.definition.consumes.isEmpty)
        #expect(RegistryModule.definition.keepsPublishedEvents)
    }
}
