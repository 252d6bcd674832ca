/// A realm admin's policy: which CA, which keys, how long, what the certificate says, and
/// who must approve. Uploaded as JSON; stored immutably per version.
public struct PolicyDocument: Codable, Sendable, Equatable {
    /// Stable identifier within the realm (`web-server`).
    public var id: String
    public var displayName: String?
    /// Name of the destination CA.
    public var ca: String
    public var keyTemplate: KeyTemplate
    public var validity: Validity
    public var profile: Profile
    /// Rules the end entities' attributes must satisfy; none when absent.
    public var constraints: SubjectConstraints?
    public var approval: Approval
    /// How long a server-generated private key waits for its download before it is destroyed
    /// (`7d` when absent).
    public var keyRetention: String?
    /// Certificate policy OIDs (dotted decimal, e.g. `2.23.140.1.2.1`) the CA writes into every
    /// certificate's certificatePolicies extension, without qualifiers; none when absent.
    public var certificatePolicies: [String]?
    /// `true` declares the policy a publicly-trusted TLS server profile: CLM then holds it and
    /// every request under it to the CA/Browser Forum TLS Baseline Requirements (RSA or ECDSA keys
    /// only, the validity limit in force, serverAuth, DNS names; see `publicTLSProblems`). Absent
    /// or `false`: a private PKI's policy, judged only by its own rules.
    public var publicTLS: Bool?
    /// When to warn that a certificate expires, as durations before its `notAfter` (`30d`, `7d`,
    /// `12h`): the CA gateway announces each once, and the approval service mails the requester
    /// and the end entities. None when absent.
    public var expiryWarnings: [String]?

    /// Key retention when a policy names none.
    public static let defaultKeyRetention = "7d"

    /// The expiry warning thresholds in seconds, longest first; empty when none (or invalid:
    /// validation refuses such a policy before it becomes a version).
    public var expiryWarningSeconds: [Int] {
        (expiryWarnings ?? []).compactMap(DurationText.seconds).sorted(by: >)
    }

    /// Whether the policy declared itself a public TLS server profile.
    public var isPublicTLS: Bool { publicTLS == true }

    public init(
        id: String, displayName: String? = nil, ca: String, keyTemplate: KeyTemplate, validity: Validity,
        profile: Profile, constraints: SubjectConstraints? = nil, approval: Approval, keyRetention: String? = nil,
        certificatePolicies: [String]? = nil, publicTLS: Bool? = nil, expiryWarnings: [String]? = nil
    ) {
        self.expiryWarnings = expiryWarnings
        self.keyRetention = keyRetention
        self.certificatePolicies = certificatePolicies
        self.publicTLS = publicTLS
        self.id = id
        self.displayName = displayName
        self.ca = ca
        self.keyTemplate = keyTemplate
        self.validity = validity
        self.profile = profile
        self.constraints = constraints
        self.approval = approval
    }

    /// Allowed key algorithms and sizes.
    public struct KeyTemplate: Codable, Sendable, Equatable {
        /// Allowed RSA modulus sizes; empty forbids RSA.
        public var rsaBits: [Int]
        /// Allowed EC curves by name (`P-256`, `P-384`, `P-521`); empty forbids EC.
        public var ecCurves: [String]
        /// Allowed EdDSA variants (`Ed25519`, `Ed448`).
        public var eddsa: [String]

        public init(rsaBits: [Int] = [], ecCurves: [String] = [], eddsa: [String] = []) {
            self.rsaBits = rsaBits
            self.ecCurves = ecCurves
            self.eddsa = eddsa
        }
    }

    public struct Validity: Codable, Sendable, Equatable {
        public var defaultDays: Int
        public var maxDays: Int
        public init(defaultDays: Int, maxDays: Int) {
            self.defaultDays = defaultDays
            self.maxDays = maxDays
        }
    }

    /// Extensions of the issued certificate. `CA:false` is implied: policies issue end-entity
    /// certificates only.
    public struct Profile: Codable, Sendable, Equatable {
        public var keyUsage: [String]
        public var extendedKeyUsage: [String]
        public init(keyUsage: [String], extendedKeyUsage: [String]) {
            self.keyUsage = keyUsage
            self.extendedKeyUsage = extendedKeyUsage
        }
    }

    public struct Approval: Codable, Sendable, Equatable {
        public enum Mode: String, Codable, Sendable { case automatic, email, manual }
        public var mode: Mode
        /// Number of distinct approvers for `manual`.
        public var approvers: Int?
        /// For `email`: how long the verification link works (`24h` when absent); the request
        /// expires with it.
        public var linkLifetime: String?
        /// For `manual`: how long the request waits for its approvers (`72h` when absent).
        public var expiresAfter: String?
        /// Renewals that change nothing (same policy version, end entities, subject and names)
        /// are approved automatically, whatever `mode` says; any change goes through `mode`.
        public var automaticRenewal: Bool? = nil

        public static let defaultLinkLifetime = "24h"
        public static let defaultExpiresAfter = "72h"

        public init(
            mode: Mode, approvers: Int? = nil, linkLifetime: String? = nil, expiresAfter: String? = nil,
            automaticRenewal: Bool? = nil
        ) {
            self.automaticRenewal = automaticRenewal
            self.mode = mode
            self.approvers = approvers
            self.linkLifetime = linkLifetime
            self.expiresAfter = expiresAfter
        }

        /// Seconds the workflow waits for an answer before the request expires; nil for
        /// automatic approval, which never waits.
        public var waitSeconds: Int? {
            switch mode {
            case .automatic: nil
            case .email: DurationText.seconds(linkLifetime ?? Self.defaultLinkLifetime)
            case .manual: DurationText.seconds(expiresAfter ?? Self.defaultExpiresAfter)
            }
        }
    }
}
