import CLMContracts
import Foundation

/// What the CA/Browser Forum TLS Baseline Requirements (BR) demand of one request under a public
/// TLS policy (`PolicyDocument.publicTLS`). Pure, like the planner that calls it.
///
/// The registry refused every public TLS policy that contradicts the BR when it was written;
/// these rules judge what only a request shows (its key, the names its end entities give) and
/// the validity limit on the day it is submitted, which shrinks while a stored policy stays.
enum PublicTLSRules {
    /// ECDSA curves the BR allow (§6.1.5).
    static let curves: Set<String> = ["P-256", "P-384", "P-521"]

    /// End entity attribute names of the subject's short names, for violations.
    private static let attributeNames = [
        "O": "organization", "OU": "organizationalUnit", "L": "locality", "ST": "state", "C": "country",
        "CN": "commonName",
    ]

    /// BR §6.1.5: RSA with a modulus of at least 2048 bits and a multiple of 8, or ECDSA on
    /// P-256, P-384 or P-521; EdDSA is not among them.
    static func keyViolation(_ key: KeyDescription) -> PolicyViolation? {
        let allowed =
            switch key.algorithm {
            case "rsa": key.bits >= 2048 && key.bits % 8 == 0
            case "ec": key.curve.map(curves.contains) ?? false
            default: false
            }
        guard !allowed else { return nil }
        return PolicyViolation(
            attribute: "key",
            rule: "\(key.label) is not allowed in a public TLS certificate: the CA/Browser Forum Baseline "
                + "Requirements allow RSA (2048 bits or more, a multiple of 8) and ECDSA P-256, P-384, P-521")
    }

    /// serverAuth in the profile (§7.1.2.7.10); at least one DNS name and no SAN but DNS names
    /// and IP addresses (§7.1.2.7.12); a common name that repeats one of them (§7.1.4.3); and
    /// under the domain-validated policy, no subject attribute but commonName and country (§7.1.2.7.2).
    static func nameViolations(
        policy: PolicyDocument, subject: [SubjectAttribute], names: [AlternativeName]
    ) -> [PolicyViolation] {
        var violations: [PolicyViolation] = []
        if !policy.profile.extendedKeyUsage.contains("serverAuth") {
            violations.append(
                PolicyViolation(attribute: "extendedKeyUsage", rule: "a public TLS certificate needs serverAuth"))
        }
        if !names.contains(where: { $0.kind == .dns }) {
            violations.append(
                PolicyViolation(
                    attribute: "dnsNames",
                    rule: "a public TLS certificate needs at least one DNS name (end entity dnsNames)"
                ))
        }
        for kind in [AlternativeName.Kind.email, .uri] where names.contains(where: { $0.kind == kind }) {
            let attribute = kind == .email ? "email" : "uris"
            violations.append(
                PolicyViolation(
                    attribute: attribute,
                    rule: "a public TLS certificate names only DNS names and IP addresses; "
                        + "remove the end entities' \(attribute)"
                ))
        }
        if let commonName = subject.first(where: { $0.type == "CN" })?.value,
            !names.contains(where: { ($0.kind == .dns || $0.kind == .ip) && $0.value == commonName.lowercased() })
        {
            violations.append(
                PolicyViolation(
                    attribute: "commonName",
                    rule: "in a public TLS certificate it must repeat one of the DNS names or IP addresses"))
        }
        if (policy.certificatePolicies ?? []).contains(PolicyDocument.domainValidatedPolicy) {
            for attribute in subject where attribute.type != "CN" && attribute.type != "C" {
                violations.append(
                    PolicyViolation(
                        attribute: attributeNames[attribute.type] ?? attribute.type,
                        rule: "a domain-validated certificate's subject holds only commonName and country"))
            }
        }
        return violations
    }

    /// The validity to issue under a public TLS policy on `date`: the policy's default cut to the
    /// limit in force (with a note saying so), or the requested days when within both the policy
    /// and the limit. An explicit request above the limit is refused, not shortened: whoever asked
    /// for those days learns why they cannot have them. (Above only the policy's own maximum, a
    /// request is cut like under any policy.)
    static func validity(
        requested: Int?, policy: PolicyDocument, on date: Date
    ) -> Result<(days: Int, note: String?), PolicyViolations> {
        let limit = PublicTLSValidity.maxDays(on: date)
        if let requested, requested > limit {
            return .failure(
                PolicyViolations([
                    PolicyViolation(
                        attribute: "validityDays",
                        rule: "\(requested) days is too long for a public TLS certificate: "
                            + PublicTLSValidity.rule(on: date))
                ]))
        }
        let wanted = requested ?? policy.validity.defaultDays
        let days = min(wanted, policy.validity.maxDays, limit)
        guard days < wanted else { return .success((days: wanted, note: nil)) }
        let reason =
            days == limit && limit < policy.validity.maxDays
            ? PublicTLSValidity.rule(on: date) : "the policy allows at most \(policy.validity.maxDays)"
        let asked = requested.map { "requested \($0) days" } ?? "the policy's default of \(wanted) days"
        return .success((days: days, note: "\(asked) cut to \(days): \(reason)"))
    }
}
