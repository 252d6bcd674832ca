import CLMContracts
import Foundation
import Testing

@Suite("PolicyDocument validation")
struct DomainPolicyValidationTests {
    typealias F = DomainFixtures

    @Test("a good document has no problems")
    func goodDocument() {
        #expect(F.policy().validationProblems().isEmpty)
        let manual = F.policy(
            keyTemplate: .init(rsaBits: [4096], ecCurves: ["P-521"], eddsa: ["Ed25519", "Ed448"]),
            validity: .init(defaultDays: 1, maxDays: 3650),
            profile: .init(keyUsage: Array(PolicyDocument.knownKeyUsages), extendedKeyUsage: []),
            approval: .init(mode: .manual, approvers: 2))
        #expect(manual.validationProblems().isEmpty)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var document: PolicyDocument
        /// Prefixes of the problems expected, in order; nothing else may be reported.
        var prefixes: [String]
        var testDescription: String { name }
    }

    static var cases: [Case] {
        var badID = F.policy()
        badID.id = "Web Server"
        var badCA = F.policy()
        badCA.ca = ""
        return [
            Case(name: "id", document: badID, prefixes: ["id: "]),
            Case(name: "ca", document: badCA, prefixes: ["ca: "]),
            Case(
                name: "rsa bits", document: F.policy(keyTemplate: .init(rsaBits: [2048, 1024, 3000])),
                prefixes: ["keyTemplate.rsaBits[1]: 1024 ", "keyTemplate.rsaBits[2]: 3000 "]),
            Case(
                name: "ec curve", document: F.policy(keyTemplate: .init(ecCurves: ["P-256", "secp256k1"])),
                prefixes: ["keyTemplate.ecCurves[1]: 'secp256k1' "]),
            Case(
                name: "eddsa", document: F.policy(keyTemplate: .init(eddsa: ["ed25519"])),
                prefixes: ["keyTemplate.eddsa[0]: 'ed25519' "]),
            Case(name: "no algorithm", document: F.policy(keyTemplate: .init()), prefixes: ["keyTemplate: "]),
            Case(
                name: "maxDays too large", document: F.policy(validity: .init(defaultDays: 90, maxDays: 3651)),
                prefixes: ["validity.maxDays: "]),
            Case(
                name: "defaultDays above max", document: F.policy(validity: .init(defaultDays: 398, maxDays: 397)),
                prefixes: ["validity.defaultDays: "]),
            Case(
                name: "defaultDays zero", document: F.policy(validity: .init(defaultDays: 0, maxDays: 397)),
                prefixes: ["validity.defaultDays: "]),
            Case(
                name: "unknown key usage",
                document: F.policy(
                    profile: .init(keyUsage: ["digitalSignature", "keyCertSign"], extendedKeyUsage: [])),
                prefixes: ["profile.keyUsage[1]: 'keyCertSign' is not an end-entity key usage"]),
            Case(
                name: "no key usage", document: F.policy(profile: .init(keyUsage: [], extendedKeyUsage: [])),
                prefixes: ["profile.keyUsage: "]),
            Case(
                name: "unknown extended key usage",
                document: F.policy(
                    profile: .init(keyUsage: ["digitalSignature"], extendedKeyUsage: ["anyExtendedKeyUsage"])),
                prefixes: ["profile.extendedKeyUsage[0]: 'anyExtendedKeyUsage' "]),
            Case(
                name: "manual without approvers", document: F.policy(approval: .init(mode: .manual)),
                prefixes: ["approval.approvers: manual"]),
            Case(
                name: "manual with 0 approvers", document: F.policy(approval: .init(mode: .manual, approvers: 0)),
                prefixes: ["approval.approvers: manual"]),
            Case(
                name: "manual with 11 approvers", document: F.policy(approval: .init(mode: .manual, approvers: 11)),
                prefixes: ["approval.approvers: manual"]),
            Case(
                name: "automatic with approvers", document: F.policy(approval: .init(mode: .automatic, approvers: 1)),
                prefixes: ["approval.approvers: only for mode 'manual'"]),
            Case(
                name: "email with approvers", document: F.policy(approval: .init(mode: .email, approvers: 2)),
                prefixes: ["approval.approvers: only for mode 'manual'"]),
            Case(
                name: "link lifetime on manual approval",
                document: F.policy(approval: .init(mode: .manual, approvers: 2, linkLifetime: "1h")),
                prefixes: ["approval.linkLifetime: only for mode 'email'"]),
            Case(
                name: "expiry on e-mail verification",
                document: F.policy(approval: .init(mode: .email, expiresAfter: "1h")),
                prefixes: ["approval.expiresAfter: only for mode 'manual'"]),
            Case(
                name: "link lifetime not a duration",
                document: F.policy(approval: .init(mode: .email, linkLifetime: "1 day")),
                prefixes: ["approval.linkLifetime: '1 day' is not a duration"]),
            Case(
                name: "expiry too short",
                document: F.policy(approval: .init(mode: .manual, approvers: 1, expiresAfter: "5s")),
                prefixes: ["approval.expiresAfter: must be between 10s and 30d"]),
            Case(
                name: "expiry too long",
                document: F.policy(approval: .init(mode: .manual, approvers: 1, expiresAfter: "31d")),
                prefixes: ["approval.expiresAfter: must be between 10s and 30d"]),
            Case(
                name: "key retention", document: F.policy(keyRetention: "2y"),
                prefixes: ["keyRetention: '2y' is not a duration"]),
        ]
    }

    @Test("each rule reports its problem under the right path", arguments: cases)
    func rule(_ testCase: Case) {
        let problems = testCase.document.validationProblems()
        #expect(problems.count == testCase.prefixes.count, "\(problems)")
        for (problem, prefix) in zip(problems, testCase.prefixes) {
            #expect(problem.hasPrefix(prefix), "\(problem)")
        }
    }

    @Test("problems of several rules are all reported, in document order")
    func severalProblems() {
        var document = F.policy(
            keyTemplate: .init(), validity: .init(defaultDays: 0, maxDays: 30),
            profile: .init(keyUsage: [], extendedKeyUsage: ["x"]), approval: .init(mode: .manual))
        document.id = ""
        document.ca = "-ca"
        let paths = document.validationProblems().map { String($0.prefix { $0 != ":" }) }
        #expect(
            paths == [
                "id", "ca", "keyTemplate", "validity.defaultDays", "profile.keyUsage", "profile.extendedKeyUsage[0]",
                "approval.approvers",
            ])
    }

    @Test("approver counts 1 and 10 are the bounds of manual approval", arguments: [1, 10])
    func approverBounds(_ count: Int) {
        #expect(F.policy(approval: .init(mode: .manual, approvers: count)).validationProblems().isEmpty)
    }

    /// `validity.maxDays` below 1 is reported, not a trap (it once built `1...maxDays`, which
    /// crashed the registry on such an upload).
    @Test("maxDays below 1 is a problem, not a crash", arguments: [0, -5])
    func maxDaysBelowOne(_ maxDays: Int) {
        let document = PolicyDocument(
            id: "p", ca: "ca", keyTemplate: .init(rsaBits: [2048]), validity: .init(defaultDays: 1, maxDays: maxDays),
            profile: .init(keyUsage: ["digitalSignature"], extendedKeyUsage: []),
            approval: .init(mode: .automatic))
        #expect(document.validationProblems().contains { $0.hasPrefix("validity.maxDays: ") })
    }
}

/// Uploaded policy documents are checked against the published schema before decoding.
@Suite("Policy document schema")
struct PolicyDocumentSchemaTests {
    static let valid = #"""
        {"id":"web","ca":"default","keyTemplate":{"rsaBits":[2048],"ecCurves":["P-256"],"eddsa":[]},
         "validity":{"defaultDays":30,"maxDays":90},"profile":{"keyUsage":["digitalSignature"],"extendedKeyUsage":[]},
         "approval":{"mode":"automatic"}}
        """#

    @Test("a valid document has no problems")
    func valid() {
        #expect(PolicyDocument.schemaProblems(Array(Self.valid.utf8)) == [])
    }

    @Test(
        "unknown fields, wrong types and bad enum values are named by path",
        arguments: [
            (
                #""validity":{"defaultDays":30,"maxDays":90}"#, #""validity":{"defaultDays":30,"maxDay":90}"#,
                "/validity"
            ),
            (#""approval":{"mode":"automatic"}"#, #""approval":{"mode":"sometimes"}"#, "/approval/mode"),
            (#""id":"web""#, #""id":"web","extra":true"#, "/"),
            (#""rsaBits":[2048]"#, #""rsaBits":["2048"]"#, "/keyTemplate/rsaBits/0"),
        ])
    func problems(_ original: String, _ replacement: String, _ path: String) {
        let text = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.valid)
        let problems = PolicyDocument.schemaProblems(Array(text.utf8))
        #expect(problems.contains { $0.hasPrefix(path) }, "\(problems)")
    }

    @Test("garbage is reported, not a crash")
    func garbage() {
        #expect(PolicyDocument.schemaProblems(Array("{nope".utf8)) == ["body is not valid JSON"])
        #expect(!PolicyDocument.schemaProblems(Array("[]".utf8)).isEmpty)
    }

    /// Found by the `policy` fuzz harness (decision 0022): JSON Schema puts no size on an
    /// integer, so the schema passes `rsaBits: [2e80]`, and Foundation's decoder, which cannot
    /// hold the number, refuses the whole body as "not valid JSON" (`dataCorrupted`, no path).
    /// The registry answers that 400 malformed-body: a refusal, not a crash, though its detail
    /// names no field. Pinned so that bounding the schema's integers (left for later) shows here.
    @Test("an integer too large for its Swift type passes the schema and is refused by decoding")
    func integerBeyondInt() {
        let huge = Self.valid.replacingOccurrences(
            of: #""rsaBits":[2048]"#, with: #""rsaBits":[2\#(String(repeating: "0", count: 80))]"#)
        #expect(PolicyDocument.schemaProblems(Array(huge.utf8)) == [])
        let error = #expect(throws: DecodingError.self) {
            try ContractCoding.decoder().decode(PolicyDocument.self, from: Data(huge.utf8))
        }
        guard case .dataCorrupted? = error else {
            Issue.record("expected dataCorrupted, got \(String(describing: error))")
            return
        }
    }
}
