import Foundation

/// Checks a policy document for internal consistency before it becomes a version.
extension PolicyDocument {
    public static let knownKeyUsages: Set<String> = [
        "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    ]
    public static let knownExtendedKeyUsages: Set<String> = [
        "serverAuth", "clientAuth", "codeSigning", "emailProtection", "timeStamping",
    ]

    /// Every problem, each as `path: reason`; empty when the document is valid. `now` is the
    /// date whose public TLS validity limit applies (see `publicTLSProblems`).
    public func validationProblems(now: Date = Date()) -> [String] {
        var problems: [String] = []
        if !Identifier.isValid(id) { problems.append("id: must match [a-z0-9][a-z0-9-]{0,62}") }
        if !Identifier.isValid(ca) { problems.append("ca: must name a CA ([a-z0-9][a-z0-9-]{0,62})") }
        problems += keyTemplateProblems()
        if !(1...3650).contains(validity.maxDays) { problems.append("validity.maxDays: must be 1...3650") }
        if validity.defaultDays < 1 || validity.defaultDays > max(validity.maxDays, 1) {
            problems.append("validity.defaultDays: must be between 1 and validity.maxDays")
        }
        problems += profileProblems()
        if let constraints { problems += constraints.validationProblems() }
        problems += approvalProblems()
        if let retention = keyRetention,
            let problem = DurationText.problem(retention, at: "keyRetention", range: 10...(365 * 86_400))
        {
            problems.append(problem)
        }
        problems += certificatePolicyProblems()
        problems += expiryWarningProblems()
        problems += publicTLSProblems(now: now)
        return problems
    }

    private func keyTemplateProblems() -> [String] {
        var problems: [String] = []
        for (index, bits) in keyTemplate.rsaBits.enumerated() where ![2048, 3072, 4096].contains(bits) {
            problems.append("keyTemplate.rsaBits[\(index)]: \(bits) is not one of 2048, 3072, 4096")
        }
        for (index, curve) in keyTemplate.ecCurves.enumerated() where !["P-256", "P-384", "P-521"].contains(curve) {
            problems.append("keyTemplate.ecCurves[\(index)]: '\(curve)' is not one of P-256, P-384, P-521")
        }
        for (index, name) in keyTemplate.eddsa.enumerated() where !["Ed25519", "Ed448"].contains(name) {
            problems.append("keyTemplate.eddsa[\(index)]: '\(name)' is not one of Ed25519, Ed448")
        }
        if keyTemplate.rsaBits.isEmpty && keyTemplate.ecCurves.isEmpty && keyTemplate.eddsa.isEmpty {
            problems.append("keyTemplate: allows no key algorithm")
        }
        return problems
    }

    private func profileProblems() -> [String] {
        var problems: [String] = []
        for (index, usage) in profile.keyUsage.enumerated() where !Self.knownKeyUsages.contains(usage) {
            problems.append(
                "profile.keyUsage[\(index)]: '\(usage)' is not an end-entity key usage "
                    + "(\(Self.knownKeyUsages.sorted().joined(separator: ", ")))")
        }
        if profile.keyUsage.isEmpty { problems.append("profile.keyUsage: must name at least one usage") }
        for (index, usage) in profile.extendedKeyUsage.enumerated() where !Self.knownExtendedKeyUsages.contains(usage) {
            problems.append(
                "profile.extendedKeyUsage[\(index)]: '\(usage)' is not one of "
                    + Self.knownExtendedKeyUsages.sorted().joined(separator: ", "))
        }
        return problems
    }

    /// At most eight distinct thresholds, each more than nothing and under ten years (the
    /// longest validity). Seconds are allowed so tests can warn about short-lived certificates;
    /// the gateway's sweep interval is what bounds how punctual a warning is.
    private func expiryWarningProblems() -> [String] {
        guard let warnings = expiryWarnings else { return [] }
        var problems: [String] = []
        if !(1...8).contains(warnings.count) { problems.append("expiryWarnings: give 1...8 thresholds") }
        var seen: Set<Int> = []
        for (index, text) in warnings.enumerated() {
            let path = "expiryWarnings[\(index)]"
            if let problem = DurationText.problem(text, at: path, range: 1...(3650 * 86_400 - 1)) {
                problems.append(problem)
            } else if let seconds = DurationText.seconds(text), !seen.insert(seconds).inserted {
                problems.append("\(path): '\(text)' repeats an earlier threshold")
            }
        }
        return problems
    }

    private func approvalProblems() -> [String] {
        var problems: [String] = []
        switch approval.mode {
        case .manual:
            if !(1...10).contains(approval.approvers ?? 0) {
                problems.append("approval.approvers: manual approval needs 1...10 approvers")
            }
        case .automatic, .email:
            if approval.approvers != nil { problems.append("approval.approvers: only for mode 'manual'") }
        }
        // Ten seconds lets tests and drills exercise expiry; thirty days bounds what waits.
        let waitRange = 10...(30 * 86_400)
        if let lifetime = approval.linkLifetime {
            if approval.mode != .email { problems.append("approval.linkLifetime: only for mode 'email'") }
            if let problem = DurationText.problem(lifetime, at: "approval.linkLifetime", range: waitRange) {
                problems.append(problem)
            }
        }
        if let expiresAfter = approval.expiresAfter {
            if approval.mode != .manual { problems.append("approval.expiresAfter: only for mode 'manual'") }
            if let problem = DurationText.problem(expiresAfter, at: "approval.expiresAfter", range: waitRange) {
                problems.append(problem)
            }
        }
        return problems
    }
}

extension SubjectConstraints {
    /// Problems with the constraints themselves (unknown attributes, bad patterns or ranges).
    public func validationProblems() -> [String] {
        var problems: [String] = []
        for (name, rule) in (attributes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let path = "constraints.attributes.\(name)"
            if !Self.attributeNames.contains(name) {
                problems.append("\(path): unknown attribute (\(Self.attributeNames.sorted().joined(separator: ", ")))")
            }
            if let pattern = rule.pattern {
                if pattern.count > 512 {
                    problems.append("\(path).pattern: longer than 512 characters")
                } else if (try? NSRegularExpression(pattern: pattern)) == nil {
                    problems.append("\(path).pattern: not a valid regular expression")
                }
            }
            if rule.presence == .forbidden && (rule.value != nil || rule.pattern != nil) {
                problems.append("\(path): a forbidden attribute cannot also have a value or pattern")
            }
            if rule.value != nil && ["dnsNames", "ipAddresses", "uris"].contains(name) {
                problems.append("\(path).value: only for single-valued attributes")
            }
        }
        for (index, range) in (allowedIPRanges ?? []).enumerated() where CIDR(range) == nil {
            problems.append("constraints.allowedIPRanges[\(index)]: '\(range)' is not an address or CIDR range")
        }
        for (index, suffix) in (allowedDNSSuffixes ?? []).enumerated() where suffix.isEmpty || suffix.contains(" ") {
            problems.append("constraints.allowedDNSSuffixes[\(index)]: '\(suffix)' is not a DNS suffix")
        }
        for (index, domain) in (allowedEmailDomains ?? []).enumerated() where domain.isEmpty || domain.contains("@") {
            problems.append("constraints.allowedEmailDomains[\(index)]: '\(domain)' is not a domain")
        }
        if let minSANs, minSANs < 0 { problems.append("constraints.minSANs: must not be negative") }
        if let maxSANs, maxSANs < 0 { problems.append("constraints.maxSANs: must not be negative") }
        if let minSANs, let maxSANs, minSANs > maxSANs { problems.append("constraints.minSANs: exceeds maxSANs") }
        return problems
    }
}
