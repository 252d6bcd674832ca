import Foundation

/// The body of `POST /v1/realms/{realm}/requests`.
public struct SubmitRequestBody: Codable, Sendable {
    public var policy: String
    /// Pins the policy version the requester reviewed; the latest when absent.
    public var policyVersion: Int?
    public var entities: [String]
    /// PKCS#10, PEM or base64 DER.
    public var csr: String?
    /// Server-side key, e.g. `ec:P-256`, `rsa:3072`, `ed25519`.
    public var keyGeneration: String?
    public var validityDays: Int?
    /// With `keyGeneration`: the password the key bundle download will need (12…1024
    /// characters). Only a slow hash of it travels on; the password itself is not kept.
    public var keyPassword: String?

    public init(
        policy: String, policyVersion: Int? = nil, entities: [String], csr: String? = nil, keyGeneration: String? = nil,
        validityDays: Int? = nil, keyPassword: String? = nil
    ) {
        self.policy = policy
        self.policyVersion = policyVersion
        self.entities = entities
        self.csr = csr
        self.keyGeneration = keyGeneration
        self.validityDays = validityDays
        self.keyPassword = keyPassword
    }
}
