import CLMContracts
import Foundation

/// A request as the API shows it.
public struct RequestView: Codable, Sendable {
    public struct Change: Codable, Sendable {
        public var state: RequestState
        public var actor: String
        public var reason: String
        public var at: Date
    }

    /// Who or what the workflow is waiting for.
    public struct Waiting: Codable, Sendable {
        public var required: Int
        public var received: [String]
        public var expiresAt: Date
    }

    public var id: UUID
    public var realm: String
    /// The token subject that submitted the request.
    public var requester: String
    public var approvalMode: PolicyDocument.Approval.Mode
    public var policy: String
    public var policyVersion: Int
    public var state: RequestState
    public var keySource: KeySource
    /// Validity the policy allowed; the CA may shorten it to its own lifetime.
    public var validityDays: Int
    public var validityNote: String?
    public var subject: [SubjectAttribute]
    public var alternativeNames: [AlternativeName]
    public var serialNumber: String?
    /// While the request waits for e-mail confirmations or approvers.
    public var waiting: Waiting?
    /// For server-generated keys: `sealed` until downloaded, then what destroyed it.
    public var keyStatus: String?
    /// Why the request is held up right now (e.g. `ca-unavailable: …`), if it is.
    public var notice: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var history: [Change]?
}

/// The body of `POST /v1/realms/{realm}/requests`.
public struct SubmitRequest: Codable, Sendable {
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
}
