import CLMContracts
import Foundation
import Testing

/// A policy's `expiryWarnings`: what validation accepts, and the seconds intake copies.
@Suite("PolicyDocument: expiry warnings")
struct ExpiryWarningPolicyTests {
    typealias F = DomainFixtures

    static func policy(_ warnings: [String]?) -> PolicyDocument {
        var policy = F.policy()
        policy.expiryWarnings = warnings
        return policy
    }

    @Test("days, hours, minutes and seconds are thresholds, longest first in seconds")
    func accepted() {
        let policy = Self.policy(["7d", "30d", "12h", "90m", "45s"])
        #expect(policy.validationProblems().isEmpty)
        #expect(policy.expiryWarningSeconds == [2_592_000, 604_800, 43_200, 5_400, 45])
        #expect(Self.policy(nil).expiryWarningSeconds.isEmpty)
        #expect(Self.policy(["3649d"]).validationProblems().isEmpty)
    }

    @Test(
        "bad thresholds are reported under their index",
        arguments: [
            (["0d"], "expiryWarnings[0]: '0d' is not a duration"),
            (["7 days"], "expiryWarnings[0]: '7 days' is not a duration"),
            (["1d", "3650d"], "expiryWarnings[1]: must be between"),
            (["7d", "168h"], "expiryWarnings[1]: '168h' repeats an earlier threshold"),
            ([], "expiryWarnings: give 1...8 thresholds"),
            (["1d", "2d", "3d", "4d", "5d", "6d", "7d", "8d", "9d"], "expiryWarnings: give 1...8 thresholds"),
        ])
    func refused(_ warnings: [String], problem: String) {
        let problems = Self.policy(warnings).validationProblems()
        #expect(problems.count == 1 && problems.first?.hasPrefix(problem) == true, "\(problems)")
    }

    @Test("the published schema knows the field and refuses a unit it does not have")
    func schema() throws {
        let good = Array(try JSONEncoder().encode(Self.policy(["30d", "1h"])))
        #expect(PolicyDocument.schemaProblems(good).isEmpty, "\(PolicyDocument.schemaProblems(good))")
        let bad = Array(try JSONEncoder().encode(Self.policy(["2w"])))
        let problems = PolicyDocument.schemaProblems(bad)
        #expect(problems.count == 1 && problems.first?.hasPrefix("/expiryWarnings/0") == true, "\(problems)")
    }
}
