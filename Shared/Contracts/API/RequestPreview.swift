import Foundation

/// The answer of `POST /v1/realms/{realm}/requests/preview`: how the policy judges a request
/// as it stands, by the same rules as submission, with nothing stored. Lets a person see and
/// fix each mismatch before submitting; the submission is still judged again.
public struct RequestPreview: Codable, Sendable {
    /// One rule a request breaks, next to the attribute it names (`www.commonName` when
    /// several end entities are given).
    public struct Violation: Codable, Sendable, Equatable {
        public var attribute: String
        public var rule: String

        public init(attribute: String, rule: String) {
            self.attribute = attribute
            self.rule = rule
        }
    }

    public struct Key: Codable, Sendable {
        public var source: KeySource
        /// e.g. `EC P-256`, `RSA-3072`.
        public var description: String

        public init(source: KeySource, description: String) {
            self.source = source
            self.description = description
        }
    }

    /// What a CSR brought: its key, and what CLM drops from it.
    public struct CSR: Codable, Sendable {
        public var publicKey: String
        public var discarded: [String]

        public init(publicKey: String, discarded: [String]) {
            self.publicKey = publicKey
            self.discarded = discarded
        }
    }

    /// No violation: a submission now would be accepted by the policy.
    public var acceptable: Bool
    public var policy: String
    public var policyVersion: Int
    public var violations: [Violation]
    /// What the certificate would carry (empty while violations block it).
    public var subject: [SubjectAttribute]
    public var alternativeNames: [AlternativeName]
    public var validityDays: Int?
    public var validityNote: String?
    public var approval: PolicyDocument.Approval
    /// Nil until a CSR or a key generation is given; the key is then judged too.
    public var key: Key?
    public var csr: CSR?

    public init(
        acceptable: Bool, policy: String, policyVersion: Int, violations: [Violation], subject: [SubjectAttribute],
        alternativeNames: [AlternativeName], validityDays: Int?, validityNote: String?,
        approval: PolicyDocument.Approval, key: Key?, csr: CSR?
    ) {
        self.acceptable = acceptable
        self.policy = policy
        self.policyVersion = policyVersion
        self.violations = violations
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.validityDays = validityDays
        self.validityNote = validityNote
        self.approval = approval
        self.key = key
        self.csr = csr
    }
}
