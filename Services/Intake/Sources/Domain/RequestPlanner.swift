import CLMContracts
import Foundation

/// The key a request brings, reduced to what a policy judges.
public struct KeyDescription: Sendable, Equatable {
    /// `rsa`, `ec`, `ed25519`, `ed448`.
    public var algorithm: String
    public var bits: Int
    /// `P-256`, `P-384`, `P-521` for EC.
    public var curve: String?

    public init(algorithm: String, bits: Int, curve: String? = nil) {
        self.algorithm = algorithm
        self.bits = bits
        self.curve = curve
    }

    public var label: String {
        switch algorithm {
        case "rsa": "RSA-\(bits)"
        case "ec": "EC \(curve ?? "?")"
        case "ed25519": "Ed25519"
        case "ed448": "Ed448"
        default: algorithm
        }
    }
}

/// What a request will become if the policy lets it through: subject, SANs and validity,
/// all derived from end entities and the policy — never from the CSR.
public struct RequestPlan: Sendable, Equatable {
    public var subject: [SubjectAttribute]
    public var alternativeNames: [AlternativeName]
    public var validityDays: Int
    /// Set when the suggested validity was cut to the policy's maximum.
    public var validityNote: String?
}

/// One reason a request is blocked, naming the attribute and the rule.
public struct PolicyViolation: Sendable, Equatable, CustomStringConvertible {
    public var attribute: String
    public var rule: String
    public var description: String { "\(attribute): \(rule)" }
}

/// Everything that blocks a request.
public struct PolicyViolations: Error, Sendable, Equatable {
    public var items: [PolicyViolation]
    public init(_ items: [PolicyViolation]) { self.items = items }
}

/// Judges a request against one policy version. Pure: no I/O, so it is tested exhaustively
/// and gives the same answer wherever it runs.
public enum RequestPlanner {
    /// The plan of a request submitted at `date` (whose public TLS validity limit applies), or
    /// every violation of the first rule group that fails; without a key, the key is not judged.
    public static func plan(
        policy: PolicyDocument, entities: [EndEntity], key: KeyDescription?, suggestedValidityDays: Int?,
        on date: Date = Date()
    ) -> Result<RequestPlan, PolicyViolations> {
        // No key yet (a preview before the key is chosen): everything else is judged.
        var violations = key.map { keyViolations(policy.keyTemplate, $0) } ?? []
        // Under a public TLS policy the Baseline Requirements' reason replaces the template's.
        if policy.isPublicTLS, let key, let violation = PublicTLSRules.keyViolation(key) { violations = [violation] }
        if entities.isEmpty {
            violations.append(PolicyViolation(attribute: "entities", rule: "at least one end entity is required"))
        }
        if let days = suggestedValidityDays, days < 1 {
            violations.append(PolicyViolation(attribute: "validityDays", rule: "must be at least 1"))
        }
        // Longer suggestions would be clamped anyway; beyond a century they are a client bug.
        if let days = suggestedValidityDays, days > 36_500 {
            violations.append(PolicyViolation(attribute: "validityDays", rule: "must be at most 36500"))
        }
        guard violations.isEmpty, let primary = entities.first else { return .failure(PolicyViolations(violations)) }

        let subject = Self.subject(of: primary.attributes)
        let names = Self.alternativeNames(of: entities)
        if let constraints = policy.constraints {
            let broken = ConstraintEvaluator.violations(constraints, entities: entities, sanCount: names.count)
            if !broken.isEmpty { return .failure(PolicyViolations(broken)) }
        }
        if subject.isEmpty && names.isEmpty {
            return .failure(
                PolicyViolations([
                    PolicyViolation(attribute: "subject", rule: "end entities give neither a subject nor a SAN")
                ]))
        }
        let validity: (days: Int, note: String?)
        if policy.isPublicTLS {
            var broken = PublicTLSRules.nameViolations(policy: policy, subject: subject, names: names)
            switch PublicTLSRules.validity(requested: suggestedValidityDays, policy: policy, on: date) {
            case .success(let value): validity = value
            case .failure(let refusal):
                broken += refusal.items
                validity = (0, nil)
            }
            if !broken.isEmpty { return .failure(PolicyViolations(broken)) }
        } else {
            let requested = suggestedValidityDays ?? policy.validity.defaultDays
            let applied = min(requested, policy.validity.maxDays)
            let note =
                applied < requested
                ? "requested \(requested) days; the policy allows at most \(policy.validity.maxDays)" : nil
            validity = (applied, note)
        }
        return .success(
            RequestPlan(
                subject: subject, alternativeNames: names, validityDays: validity.days, validityNote: validity.note))
    }

    /// The subject from the primary end entity, most significant attribute first.
    static func subject(of attributes: EndEntity.Attributes) -> [SubjectAttribute] {
        let pairs: [(String, String?)] = [
            ("C", attributes.country), ("ST", attributes.state), ("L", attributes.locality),
            ("O", attributes.organization), ("OU", attributes.organizationalUnit), ("CN", attributes.commonName),
        ]
        return pairs.compactMap { type, value in value.map { SubjectAttribute(type: type, value: $0) } }
    }

    /// SANs from every entity of the request, deduplicated, in a stable order.
    static func alternativeNames(of entities: [EndEntity]) -> [AlternativeName] {
        var names: [AlternativeName] = []
        for entity in entities {
            for name in entity.attributes.dnsNames ?? [] {
                names.append(AlternativeName(kind: .dns, value: name.lowercased()))
            }
            for ip in entity.attributes.ipAddresses ?? [] { names.append(AlternativeName(kind: .ip, value: ip)) }
            if let email = entity.attributes.email { names.append(AlternativeName(kind: .email, value: email)) }
            for uri in entity.attributes.uris ?? [] { names.append(AlternativeName(kind: .uri, value: uri)) }
        }
        var seen = Set<String>()
        return names.filter { seen.insert("\($0.kind.rawValue):\($0.value)").inserted }
    }

    static func keyViolations(_ template: PolicyDocument.KeyTemplate, _ key: KeyDescription) -> [PolicyViolation] {
        let allowed: Bool =
            switch key.algorithm {
            case "rsa": template.rsaBits.contains(key.bits)
            case "ec": key.curve.map(template.ecCurves.contains) ?? false
            case "ed25519": template.eddsa.contains("Ed25519")
            case "ed448": template.eddsa.contains("Ed448")
            default: false
            }
        guard !allowed else { return [] }
        return [
            PolicyViolation(
                attribute: "key", rule: "\(key.label) is not allowed; the policy allows \(describe(template))")
        ]
    }

    static func describe(_ template: PolicyDocument.KeyTemplate) -> String {
        let options =
            template.rsaBits.map { "RSA-\($0)" } + template.ecCurves.map { "EC \($0)" } + template.eddsa
        return options.isEmpty ? "no keys" : options.joined(separator: ", ")
    }
}
