import Foundation

/// The body of `POST /v1/realms/{realm}/certificates/{serial}/revoke` (and
/// `…/requests/{id}/revoke`).
public struct RevokeBody: Codable, Sendable, Equatable {
    public var reason: RevocationReasonName
    /// Why, in words, for the audit trail and the inventory (at most 1024 characters).
    public var comment: String?

    public init(reason: RevocationReasonName, comment: String? = nil) {
        self.reason = reason
        self.comment = comment
    }
}

/// A certificate's revocation, as the revoke call and the inventory show it. A second revoke
/// answers with the first one's view.
public struct RevocationView: Codable, Sendable, Equatable {
    public var ca: String
    public var serialNumber: String
    public var request: UUID
    public var reason: RevocationReasonName
    public var comment: String?
    public var revokedBy: String
    public var revokedAt: Date

    public init(
        ca: String, serialNumber: String, request: UUID, reason: RevocationReasonName, comment: String?,
        revokedBy: String, revokedAt: Date
    ) {
        self.ca = ca
        self.serialNumber = serialNumber
        self.request = request
        self.reason = reason
        self.comment = comment
        self.revokedBy = revokedBy
        self.revokedAt = revokedAt
    }
}
