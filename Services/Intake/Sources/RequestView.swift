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

    public var id: UUID
    public var realm: String
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
    public var createdAt: Date
    public var updatedAt: Date
    public var history: [Change]?
}

/// The body of `POST /v1/realms/{realm}/requests`.
public struct SubmitRequest: Codable, Sendable {
    public var policy: String
    public var entities: [String]
    /// PKCS#10, PEM or base64 DER.
    public var csr: String?
    /// Server-side key, e.g. `ec:P-256` (not yet available).
    public var keyGeneration: String?
    public var validityDays: Int?
}
