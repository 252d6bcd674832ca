import CLMContracts
import CLMCrypto
import Foundation

/// The rules a submission must pass before it becomes a request: pure, no I/O, the same
/// whether it came through `POST …/requests` or the Kafka command topic.
enum SubmissionRules {
    /// The certificate's key as the policy judges it, and what travels with the request.
    struct Key: Sendable {
        var source: KeySource
        var description: KeyDescription
        /// Base64 SPKI of a CSR's key.
        var publicKey: String?
        /// What keygen will generate, e.g. `ec:P-256`.
        var spec: String?
        /// The chosen download password (server-side keys only); hashed in `judge`.
        var password: String?
        /// What a CSR asked for that is dropped (shown by the preview).
        var discarded: [String] = []
    }

    /// The caller's idempotency key, scoped to the requester: the same key from another
    /// requester is another request (and never reveals the first). The length prefix keeps
    /// the pair unambiguous.
    static func idempotencyKey(_ key: String?, requester: String) throws -> String? {
        guard let key else { return nil }
        guard (1...200).contains(key.count) else {
            throw Problem.invalid("invalid-idempotency-key", "Idempotency-Key must be 1...200 characters")
        }
        return "\(requester.utf8.count):\(requester)\(key)"
    }

    /// Everything that needs no database: identifiers, counts, and the key (a CSR's public key
    /// with proof of possession checked, or a key pair keygen will make after approval).
    static func checkedKey(_ body: SubmitRequestBody) throws -> Key {
        guard let key = try checkedKey(body, preview: false) else {
            throw Problem.internal("a submission without a key passed its checks")
        }
        return key
    }

    /// As above; for a preview (`preview`), the key may be missing and a server-side key needs
    /// no password yet.
    static func checkedKey(_ body: SubmitRequestBody, preview: Bool) throws -> Key? {
        if let version = body.policyVersion, version < 1 {
            throw Problem.invalid("invalid-field", "policyVersion: must be 1 or more")
        }
        guard Identifier.isValid(body.policy) else {
            throw Problem.invalid("invalid-identifier", "policy: not a valid identifier")
        }
        guard (1...20).contains(body.entities.count) else {
            throw Problem.invalid("invalid-field", "entities: give 1...20 end entity ids")
        }
        for (index, entity) in body.entities.enumerated() where !Identifier.isValid(entity) {
            throw Problem.invalid("invalid-identifier", "entities[\(index)]: not a valid identifier")
        }
        if body.keyGeneration == nil, body.keyPassword != nil {
            throw Problem.invalid(
                "unexpected-key-password", "keyPassword: only for keyGeneration (a CSR's key never reaches CLM)")
        }
        switch (body.csr, body.keyGeneration) {
        case (.some, .some):
            throw Problem.invalid("conflicting-key-source", "give either 'csr' or 'keyGeneration', not both")
        case (nil, nil):
            if preview { return nil }
            throw Problem.invalid(
                "missing-key-source", "csr: a PKCS#10 request (PEM or base64 DER), or keyGeneration (e.g. ec:P-256)")
        case (.some(let csrText), nil):
            let csr: CertificationRequest
            do {
                csr = try CertificationRequest.parse(csrBytes(csrText))
            } catch let error as CryptoError {
                throw Problem.refused("invalid-csr", "csr: \(error.reason)")
            }
            return Key(
                source: .csr,
                description: KeyDescription(
                    algorithm: csr.publicKey.algorithm.rawValue, bits: csr.publicKey.bits,
                    curve: csr.publicKey.curve?.rawValue),
                publicKey: Data(csr.publicKey.spkiDER).base64EncodedString(), discarded: csr.discarded)
        case (nil, .some(let text)):
            let spec: KeySpec
            do {
                spec = try KeySpec(parsing: text)
            } catch let error as CryptoError {
                throw Problem.refused("invalid-key-generation", "keyGeneration: \(error.reason)")
            }
            if preview, body.keyPassword == nil {
                return Key(source: .server, description: describe(spec), spec: spec.description)
            }
            guard let password = body.keyPassword else {
                throw Problem.invalid(
                    "missing-key-password", "keyPassword: choose the password the key bundle download will need")
            }
            guard (12...1024).contains(password.count) else {
                throw Problem.invalid("weak-password", "keyPassword: must be 12...1024 characters")
            }
            return Key(source: .server, description: describe(spec), spec: spec.description, password: password)
        }
    }

    /// Judges the request against its policy version; the request to record, or every
    /// violation as a `policy-mismatch` refusal.
    static func judge(
        _ body: SubmitRequestBody, key: Key, realm: String, requester: String, policyVersion: Int,
        policy: PolicyDocument,
        entities: [EndEntity]
    ) throws -> (RequestSubmitted, validityNote: String?) {
        let mismatch = "the request does not satisfy policy \(policy.id) v\(policyVersion)"
        let now = Date()
        let plan: RequestPlan
        switch RequestPlanner.plan(
            policy: policy, entities: entities, key: key.description, suggestedValidityDays: body.validityDays, on: now)
        {
        case .success(let value): plan = value
        case .failure(let violations):
            throw Problem.refused(
                "policy-mismatch", mismatch, violations: violations.items.map(\.description))
        }
        var verificationEmails: [String]?
        if policy.approval.mode == .email {
            let missing = missingAddresses(policy: policy, entities: entities)
            guard missing.isEmpty else {
                throw Problem.refused("policy-mismatch", mismatch, violations: missing.map(\.description))
            }
            verificationEmails = Array(Set(entities.compactMap(\.attributes.email))).sorted()
        }
        // Only a slow hash of the chosen download password travels on.
        let verifier = try key.password.map { try PasswordVerifier.make(password: $0).description }
        var submitted = RequestSubmitted(
            request: UUID(), realm: realm, requester: requester, policy: policy.id, policyVersion: policyVersion,
            ca: policy.ca, approval: policy.approval, subject: plan.subject, alternativeNames: plan.alternativeNames,
            keySource: key.source, publicKey: key.publicKey, keySpec: key.spec,
            validityDays: plan.validityDays, keyUsage: policy.profile.keyUsage,
            extendedKeyUsage: policy.profile.extendedKeyUsage, submittedAt: now,
            verificationEmails: verificationEmails,
            keyRetentionSeconds: key.source == .server
                ? DurationText.seconds(policy.keyRetention ?? PolicyDocument.defaultKeyRetention) : nil,
            keyPasswordVerifier: verifier,
            certificatePolicies: (policy.certificatePolicies ?? []).isEmpty ? nil : policy.certificatePolicies)
        submitted.entities = entities.map(\.id)
        let warnings = policy.expiryWarningSeconds
        submitted.expiryWarningSeconds = warnings.isEmpty ? nil : warnings
        return (submitted, plan.validityNote)
    }

    /// Under e-mail verification every end entity confirms at its own address, so each needs one.
    static func missingAddresses(policy: PolicyDocument, entities: [EndEntity]) -> [PolicyViolation] {
        guard policy.approval.mode == .email else { return [] }
        return entities.filter { ($0.attributes.email ?? "").isEmpty }.map {
            PolicyViolation(
                attribute: "\($0.id).email",
                rule: "required (policy approves by e-mail verification, which mails the end entity)")
        }
    }

    /// What the policy judges of a key that does not exist yet.
    static func describe(_ spec: KeySpec) -> KeyDescription {
        switch spec {
        case .rsa(let bits): KeyDescription(algorithm: "rsa", bits: bits)
        case .ec(let curve): KeyDescription(algorithm: "ec", bits: curve.bits, curve: curve.rawValue)
        case .ed25519: KeyDescription(algorithm: "ed25519", bits: 256)
        case .ed448: KeyDescription(algorithm: "ed448", bits: 456)
        }
    }

    /// Accepts PEM text or base64 DER.
    static func csrBytes(_ text: String) -> [UInt8] {
        if text.contains("-----BEGIN") { return Array(text.utf8) }
        let compact = text.filter { !$0.isWhitespace }
        return Data(base64Encoded: compact).map(Array.init) ?? Array(text.utf8)
    }
}
