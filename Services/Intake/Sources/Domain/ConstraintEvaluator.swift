import CLMContracts
import Foundation

/// Judges end entities against a policy's subject and SAN constraints. Pure: the same input
/// gives the same violations, in a stable order, wherever it runs.
enum ConstraintEvaluator {
    static func violations(_ constraints: SubjectConstraints, entities: [EndEntity], sanCount: Int) -> [PolicyViolation]
    {
        var violations: [PolicyViolation] = []
        let multiple = entities.count > 1
        for entity in entities {
            let prefix = multiple ? "\(entity.id)." : ""
            violations += attributeViolations(constraints, entity.attributes, prefix: prefix)
            violations += domainViolations(constraints, entity.attributes, prefix: prefix)
        }
        if let minimum = constraints.minSANs, sanCount < minimum {
            violations.append(
                PolicyViolation(
                    attribute: "subjectAltNames", rule: "\(sanCount) SANs; the policy needs at least \(minimum)"))
        }
        if let maximum = constraints.maxSANs, sanCount > maximum {
            violations.append(
                PolicyViolation(
                    attribute: "subjectAltNames", rule: "\(sanCount) SANs; the policy allows at most \(maximum)"))
        }
        return violations
    }

    /// Presence, fixed value and pattern of each constrained attribute.
    static func attributeViolations(
        _ constraints: SubjectConstraints, _ attributes: EndEntity.Attributes, prefix: String
    )
        -> [PolicyViolation]
    {
        var violations: [PolicyViolation] = []
        for name in (constraints.attributes ?? [:]).keys.sorted() {
            guard let rule = constraints.attributes?[name] else { continue }
            let values = attributes.values(of: name)
            let label = prefix + name
            switch rule.presence ?? .optional {
            case .required where values.isEmpty:
                violations.append(PolicyViolation(attribute: label, rule: "required by the policy but missing"))
            case .forbidden where !values.isEmpty:
                violations.append(PolicyViolation(attribute: label, rule: "forbidden by the policy"))
            default:
                break
            }
            if let fixed = rule.value {
                for value in values where value != fixed {
                    violations.append(PolicyViolation(attribute: label, rule: "'\(value)' must be '\(fixed)'"))
                }
            }
            if let pattern = rule.pattern {
                for value in values where !matches(value, pattern: pattern) {
                    violations.append(PolicyViolation(attribute: label, rule: "'\(value)' does not match /\(pattern)/"))
                }
            }
        }
        return violations
    }

    /// DNS suffixes, e-mail domains and IP ranges.
    static func domainViolations(_ constraints: SubjectConstraints, _ attributes: EndEntity.Attributes, prefix: String)
        -> [PolicyViolation]
    {
        var violations: [PolicyViolation] = []
        if let suffixes = constraints.allowedDNSSuffixes {
            for name in attributes.dnsNames ?? [] where !dnsName(name, isUnderAnyOf: suffixes) {
                violations.append(
                    PolicyViolation(
                        attribute: prefix + "dnsNames",
                        rule: "'\(name)' is not in an allowed domain (\(suffixes.joined(separator: ", ")))"))
            }
        }
        if let domains = constraints.allowedEmailDomains, let email = attributes.email {
            let domain = email.split(separator: "@").last.map { $0.lowercased() } ?? ""
            if !domains.contains(where: { $0.lowercased() == domain }) {
                violations.append(
                    PolicyViolation(
                        attribute: prefix + "email",
                        rule: "'\(email)' is not in an allowed domain (\(domains.joined(separator: ", ")))"))
            }
        }
        if let ranges = constraints.allowedIPRanges {
            for ip in attributes.ipAddresses ?? [] where !ranges.contains(where: { CIDR($0)?.contains(ip) == true }) {
                violations.append(
                    PolicyViolation(
                        attribute: prefix + "ipAddresses",
                        rule: "\(ip) is not in an allowed range (\(ranges.joined(separator: ", ")))"))
            }
        }
        return violations
    }

    /// Whole-value match of an (already validated) regular expression.
    static func matches(_ value: String, pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return false }
        return regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }

    static func dnsName(_ name: String, isUnderAnyOf suffixes: [String]) -> Bool {
        let name = name.lowercased()
        return suffixes.contains { suffix in
            let suffix = suffix.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
            return name == suffix || name.hasSuffix("." + suffix)
        }
    }
}
