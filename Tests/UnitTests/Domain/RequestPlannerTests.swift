import CLMContracts
import Testing

@testable import Intake

@Suite("RequestPlanner")
struct DomainRequestPlannerTests {
    typealias F = DomainFixtures

    private func plan(
        policy: PolicyDocument = F.policy(), entities: [EndEntity] = [F.entity(F.webServer)],
        key: KeyDescription = KeyDescription(algorithm: "ec", bits: 256, curve: "P-256"), days: Int? = nil
    ) -> Result<RequestPlan, PolicyViolations> {
        RequestPlanner.plan(policy: policy, entities: entities, key: key, suggestedValidityDays: days)
    }

    private func violations(_ result: Result<RequestPlan, PolicyViolations>) -> [PolicyViolation] {
        if case .failure(let failure) = result { return failure.items }
        return []
    }

    // MARK: key template

    struct KeyCase: Sendable, CustomTestStringConvertible {
        var key: KeyDescription
        var allowed: Bool
        var testDescription: String { "\(key.label) → \(allowed ? "allowed" : "refused")" }
    }

    /// Template: RSA 2048/3072/4096, EC P-256/P-384, Ed25519 (no Ed448, no P-521).
    static let keyCases: [KeyCase] = [
        .init(key: .init(algorithm: "rsa", bits: 2048), allowed: true),
        .init(key: .init(algorithm: "rsa", bits: 3072), allowed: true),
        .init(key: .init(algorithm: "rsa", bits: 4096), allowed: true),
        .init(key: .init(algorithm: "rsa", bits: 1024), allowed: false),
        .init(key: .init(algorithm: "rsa", bits: 2047), allowed: false),
        .init(key: .init(algorithm: "rsa", bits: 8192), allowed: false),
        .init(key: .init(algorithm: "ec", bits: 256, curve: "P-256"), allowed: true),
        .init(key: .init(algorithm: "ec", bits: 384, curve: "P-384"), allowed: true),
        .init(key: .init(algorithm: "ec", bits: 521, curve: "P-521"), allowed: false),
        .init(key: .init(algorithm: "ec", bits: 256, curve: "secp256k1"), allowed: false),
        .init(key: .init(algorithm: "ec", bits: 256, curve: nil), allowed: false),
        .init(key: .init(algorithm: "ed25519", bits: 256), allowed: true),
        .init(key: .init(algorithm: "ed448", bits: 456), allowed: false),
        .init(key: .init(algorithm: "dsa", bits: 2048), allowed: false),
        .init(key: .init(algorithm: "RSA", bits: 2048), allowed: false),
    ]

    @Test("key template decides which keys pass", arguments: keyCases)
    func keyTemplate(_ testCase: KeyCase) {
        let found = violations(plan(key: testCase.key))
        if testCase.allowed {
            #expect(found.isEmpty)
        } else {
            #expect(found.count == 1)
            #expect(found.first?.attribute == "key")
            #expect(found.first?.rule.hasPrefix("\(testCase.key.label) is not allowed") == true)
        }
    }

    @Test("a refused key is explained with every option the policy allows")
    func refusedKeyNamesAlternatives() {
        let found = violations(plan(key: .init(algorithm: "rsa", bits: 1024)))
        #expect(
            found == [
                PolicyViolation(
                    attribute: "key",
                    rule:
                        "RSA-1024 is not allowed; the policy allows RSA-2048, RSA-3072, RSA-4096, EC P-256, EC P-384, Ed25519"
                )
            ])
        #expect(found.first?.description == "key: " + (found.first?.rule ?? ""))
    }

    @Test("Ed448 and P-521 pass when the template lists them")
    func ed448AndP521() {
        let policy = F.policy(keyTemplate: .init(ecCurves: ["P-521"], eddsa: ["Ed448"]))
        #expect(violations(plan(policy: policy, key: .init(algorithm: "ed448", bits: 456))).isEmpty)
        #expect(violations(plan(policy: policy, key: .init(algorithm: "ec", bits: 521, curve: "P-521"))).isEmpty)
        let refused = violations(plan(policy: policy, key: .init(algorithm: "ed25519", bits: 256)))
        #expect(refused.map(\.rule) == ["Ed25519 is not allowed; the policy allows EC P-521, Ed448"])
    }

    @Test("an empty template allows no key and says so")
    func emptyTemplate() {
        let policy = F.policy(keyTemplate: .init())
        let found = violations(plan(policy: policy, key: .init(algorithm: "rsa", bits: 2048)))
        #expect(found.map(\.rule) == ["RSA-2048 is not allowed; the policy allows no keys"])
    }

    @Test(
        "key labels",
        arguments: [
            (KeyDescription(algorithm: "rsa", bits: 3072), "RSA-3072"),
            (KeyDescription(algorithm: "ec", bits: 384, curve: "P-384"), "EC P-384"),
            (KeyDescription(algorithm: "ec", bits: 384), "EC ?"),
            (KeyDescription(algorithm: "ed25519", bits: 256), "Ed25519"),
            (KeyDescription(algorithm: "ed448", bits: 456), "Ed448"),
            (KeyDescription(algorithm: "x25519", bits: 256), "x25519"),
        ])
    func labels(_ key: KeyDescription, _ label: String) {
        #expect(key.label == label)
    }

    // MARK: blocking conditions

    @Test("no end entity blocks the request")
    func noEntities() {
        #expect(
            violations(plan(entities: [])) == [
                PolicyViolation(attribute: "entities", rule: "at least one end entity is required")
            ])
    }

    @Test("a suggested validity below one day blocks the request", arguments: [0, -1, Int.min])
    func validityBelowOne(_ days: Int) {
        #expect(
            violations(plan(days: days)) == [PolicyViolation(attribute: "validityDays", rule: "must be at least 1")])
    }

    @Test("every violation is reported together, not just the first")
    func allViolationsTogether() {
        let found = violations(plan(entities: [], key: .init(algorithm: "rsa", bits: 1024), days: 0))
        #expect(found.map(\.attribute) == ["key", "entities", "validityDays"])
    }

    @Test("entities that give neither subject nor SAN block the request")
    func nothingToCertify() {
        let found = violations(plan(entities: [F.entity(EndEntity.Attributes())]))
        #expect(
            found == [PolicyViolation(attribute: "subject", rule: "end entities give neither a subject nor a SAN")])
    }

    // MARK: subject

    @Test("subject comes from the first entity in C, ST, L, O, OU, CN order")
    func subjectOrder() throws {
        let second = F.entity(.init(commonName: "api.acme.example", organization: "Other"), id: "api")
        let result = try plan(entities: [F.entity(F.webServer), second]).get()
        #expect(
            result.subject == [
                SubjectAttribute(type: "C", value: "DE"), SubjectAttribute(type: "ST", value: "Berlin"),
                SubjectAttribute(type: "L", value: "Berlin"), SubjectAttribute(type: "O", value: "ACME Corp"),
                SubjectAttribute(type: "OU", value: "Web"), SubjectAttribute(type: "CN", value: "www.acme.example"),
            ])
    }

    @Test("absent attributes are left out of the subject; e-mail is never a subject attribute")
    func sparseSubject() throws {
        let attributes = EndEntity.Attributes(commonName: "Alice", email: "alice@acme.example", country: "FR")
        let result = try plan(entities: [F.entity(attributes)]).get()
        #expect(
            result.subject == [SubjectAttribute(type: "C", value: "FR"), SubjectAttribute(type: "CN", value: "Alice")])
        #expect(result.alternativeNames == [AlternativeName(kind: .email, value: "alice@acme.example")])
    }

    @Test("SAN-only entity gives an empty subject and still passes")
    func sanOnly() throws {
        let result = try plan(entities: [F.entity(.init(dnsNames: ["a.example"]))]).get()
        #expect(result.subject.isEmpty)
        #expect(result.alternativeNames == [AlternativeName(kind: .dns, value: "a.example")])
    }

    // MARK: SANs

    @Test("SANs come from every entity, DNS lower-cased, deduplicated in first-seen order")
    func alternativeNames() throws {
        let first = F.entity(
            .init(
                commonName: "www", email: "ops@acme.example", dnsNames: ["WWW.Acme.Example", "acme.example"],
                ipAddresses: ["192.0.2.10"], uris: ["https://acme.example/"]), id: "www")
        let second = F.entity(
            .init(
                email: "ops@acme.example", dnsNames: ["www.acme.example", "api.acme.example"],
                ipAddresses: ["192.0.2.10", "192.0.2.11"], uris: ["https://acme.example/"]), id: "api")
        let result = try plan(entities: [first, second]).get()
        #expect(
            result.alternativeNames == [
                AlternativeName(kind: .dns, value: "www.acme.example"),
                AlternativeName(kind: .dns, value: "acme.example"),
                AlternativeName(kind: .ip, value: "192.0.2.10"),
                AlternativeName(kind: .email, value: "ops@acme.example"),
                AlternativeName(kind: .uri, value: "https://acme.example/"),
                AlternativeName(kind: .dns, value: "api.acme.example"), AlternativeName(kind: .ip, value: "192.0.2.11"),
            ])
    }

    @Test("the same value under different kinds is kept once per kind")
    func dedupIsPerKind() throws {
        let result = try plan(entities: [F.entity(.init(dnsNames: ["x"], uris: ["x"]))]).get()
        #expect(
            result.alternativeNames == [
                AlternativeName(kind: .dns, value: "x"), AlternativeName(kind: .uri, value: "x"),
            ])
    }

    // MARK: validity

    @Test("without a suggestion the policy default applies, with no note")
    func defaultValidity() throws {
        let result = try plan(days: nil).get()
        #expect(result.validityDays == 90)
        #expect(result.validityNote == nil)
    }

    @Test("a suggestion within the maximum is applied as is", arguments: [1, 30, 396, 397])
    func suggestionWithinMaximum(_ days: Int) throws {
        let result = try plan(days: days).get()
        #expect(result.validityDays == days)
        #expect(result.validityNote == nil)
    }

    @Test("a suggestion above the maximum is clamped and the note says so", arguments: [398, 3650, 36_500])
    func suggestionClamped(_ days: Int) throws {
        let result = try plan(days: days).get()
        #expect(result.validityDays == 397)
        #expect(result.validityNote == "requested \(days) days; the policy allows at most 397")
    }

    @Test("a suggestion beyond a century is refused as a client error, not clamped", arguments: [36_501, Int.max])
    func suggestionAbsurd(_ days: Int) {
        guard case .failure(let violations) = plan(days: days) else {
            Issue.record("\(days) days were accepted")
            return
        }
        #expect(violations.items.map(\.description) == ["validityDays: must be at most 36500"])
    }
}
