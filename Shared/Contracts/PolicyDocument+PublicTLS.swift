import Foundation

/// What a policy must say to be a public TLS server profile, and its certificate policy list.
///
/// The registry refuses a public TLS policy that could only produce certificates the CA/Browser
/// Forum TLS Baseline Requirements (BR) forbid, so the mistake surfaces once, when the policy is
/// written, instead of on every request. Intake judges each request again (`PublicTLSRules`),
/// because the validity limit shrinks while a stored policy stays as it was.
extension PolicyDocument {
    /// Most certificate policy OIDs a policy may name.
    public static let maxCertificatePolicies = 16

    /// The CA/Browser Forum's reserved policy identifiers for TLS server certificates (BR
    /// §7.1.6.1); a public TLS certificate carries exactly one of them.
    public static let reservedTLSPolicies: [String: String] = [
        "2.23.140.1.2.1": "domain validated", "2.23.140.1.2.2": "organization validated",
        "2.23.140.1.2.3": "individual validated", "2.23.140.1.1": "extended validation",
    ]

    /// The reserved identifier of domain validation, whose certificates name nothing but the domain.
    public static let domainValidatedPolicy = "2.23.140.1.2.1"

    /// Extended key usages a public TLS certificate may carry besides serverAuth (BR §7.1.2.7.10).
    static let publicTLSExtendedKeyUsages: Set<String> = ["serverAuth", "clientAuth"]

    /// Problems with `certificatePolicies` itself: its size, each OID's spelling, repeats.
    func certificatePolicyProblems() -> [String] {
        guard let oids = certificatePolicies else { return [] }
        var problems: [String] = []
        if oids.count > Self.maxCertificatePolicies {
            problems.append("certificatePolicies: at most \(Self.maxCertificatePolicies) OIDs")
        }
        var seen = Set<String>()
        for (index, oid) in oids.enumerated() {
            if let problem = ObjectIdentifierText.problem(oid) {
                problems.append("certificatePolicies[\(index)]: \(problem)")
            } else if !seen.insert(oid).inserted {
                problems.append("certificatePolicies[\(index)]: '\(oid)' is listed twice")
            }
        }
        return problems
    }

    /// Problems of a public TLS policy (none for any other) with the BR in force at `now`: key
    /// algorithms, the validity maximum, key usages, extended key usages and the reserved policy.
    public func publicTLSProblems(now: Date) -> [String] {
        guard isPublicTLS else { return [] }
        var problems: [String] = []
        if !keyTemplate.eddsa.isEmpty {
            problems.append(
                "keyTemplate.eddsa: a public TLS policy allows only RSA and ECDSA keys "
                    + "(CA/Browser Forum Baseline Requirements §6.1.5); remove "
                    + keyTemplate.eddsa.joined(separator: ", ")
            )
        }
        let limit = PublicTLSValidity.maxDays(on: now)
        if validity.maxDays > limit {
            problems.append(
                "validity.maxDays: \(validity.maxDays) exceeds \(limit): \(PublicTLSValidity.rule(on: now))")
        }
        problems += publicTLSProfileProblems()
        let reserved = (certificatePolicies ?? []).filter { Self.reservedTLSPolicies[$0] != nil }
        if reserved.count != 1 {
            let choices = Self.reservedTLSPolicies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            problems.append(
                "certificatePolicies: a public TLS policy names exactly one CA/Browser Forum reserved policy "
                    + "(\(choices.joined(separator: ", ")))")
        }
        return problems
    }

    /// BR §7.1.2.7.10–11: serverAuth (clientAuth may join it); digitalSignature; keyEncipherment
    /// only where every key is RSA (it is prohibited for ECDSA keys); nothing else.
    private func publicTLSProfileProblems() -> [String] {
        var problems: [String] = []
        if !profile.extendedKeyUsage.contains("serverAuth") {
            problems.append("profile.extendedKeyUsage: a public TLS policy must include serverAuth")
        }
        for (index, usage) in profile.extendedKeyUsage.enumerated()
        where !Self.publicTLSExtendedKeyUsages.contains(usage) {
            problems.append(
                "profile.extendedKeyUsage[\(index)]: '\(usage)' is not allowed in a public TLS certificate "
                    + "(only serverAuth and clientAuth)")
        }
        if !profile.keyUsage.contains("digitalSignature") {
            problems.append("profile.keyUsage: a public TLS policy must include digitalSignature")
        }
        for (index, usage) in profile.keyUsage.enumerated() where usage != "digitalSignature" {
            if usage == "keyEncipherment" {
                if !keyTemplate.ecCurves.isEmpty {
                    problems.append(
                        "profile.keyUsage[\(index)]: keyEncipherment is prohibited for ECDSA keys, "
                            + "which this public TLS policy allows")
                }
            } else {
                problems.append(
                    "profile.keyUsage[\(index)]: '\(usage)' is not allowed in a public TLS certificate "
                        + "(digitalSignature, and keyEncipherment for RSA keys)")
            }
        }
        return problems
    }
}
