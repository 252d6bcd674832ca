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

    @Test("the registry owns the memberships: it consumes no topic and handles no event")
    func definition() {
        #expect(RegistryModule.definition.consumes.isEmpty)
        #expect(RegistryModule.definition.keepsPublishedEvents)
    }
}
