/// The body of `POST /v1/realms/{realm}/certificates/{serial}/renew`: the new key (a CSR, or a
/// key pair generated on the server; never the old server-side key), and what becomes of the
/// old certificate. The policy, at its latest version, and the end entities are the original's.
public struct RenewBody: Codable, Sendable, Equatable {
    public var csr: String?
    public var keyGeneration: String?
    /// With `keyGeneration`: the password the key bundle download will need.
    public var keyPassword: String?
    public var validityDays: Int?
    /// Revoke the old certificate as `superseded` once the new one is issued (default false).
    public var revokeOnIssue: Bool?

    public init(
        csr: String? = nil, keyGeneration: String? = nil, keyPassword: String? = nil, validityDays: Int? = nil,
        revokeOnIssue: Bool? = nil
    ) {
        self.csr = csr
        self.keyGeneration = keyGeneration
        self.keyPassword = keyPassword
        self.validityDays = validityDays
        self.revokeOnIssue = revokeOnIssue
    }
}
