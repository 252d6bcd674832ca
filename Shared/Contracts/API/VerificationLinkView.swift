import Foundation

/// What a verification link shows before and after it is used (`GET` and `POST
/// /v1/verify/{token}` with `Accept: application/json`).
public struct VerificationLinkView: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var email: String
    public var policy: String
    public var requester: String
    public var subject: [SubjectAttribute]
    public var alternativeNames: [AlternativeName]
    public var expiresAt: Date?
    public var confirmed: Bool

    public init(
        request: UUID, realm: String, email: String, policy: String, requester: String, subject: [SubjectAttribute],
        alternativeNames: [AlternativeName], expiresAt: Date?, confirmed: Bool
    ) {
        self.request = request
        self.realm = realm
        self.email = email
        self.policy = policy
        self.requester = requester
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.expiresAt = expiresAt
        self.confirmed = confirmed
    }
}
