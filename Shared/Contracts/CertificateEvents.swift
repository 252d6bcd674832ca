import Foundation

/// The RFC 5280 §5.3.1 reasons CLM accepts for a revocation, by the names the API, the
/// command topic and the events use. No `certificateHold`: revocation in CLM is final.
public enum RevocationReasonName: String, Codable, Sendable, CaseIterable {
    case unspecified
    case keyCompromise
    case affiliationChanged
    case superseded
    case cessationOfOperation
    case privilegeWithdrawn
}

/// `clm.certificate.revoked.v1` on the lifecycle topic, keyed by the request id: the CA
/// gateway revoked a certificate. From this moment its CRL lists it and its OCSP responder
/// answers `revoked`; keygen destroys a server-side key it still holds for the request.
public struct CertificateRevoked: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var ca: String
    /// Hex, upper case, no separators.
    public var serialNumber: String
    public var reason: RevocationReasonName
    public var comment: String?
    /// The subject that revoked it, or `system:renewal` for a certificate a renewal superseded.
    public var revokedBy: String
    public var revokedAt: Date

    public init(
        request: UUID, realm: String, ca: String, serialNumber: String, reason: RevocationReasonName,
        comment: String?, revokedBy: String, revokedAt: Date
    ) {
        self.request = request
        self.realm = realm
        self.ca = ca
        self.serialNumber = serialNumber
        self.reason = reason
        self.comment = comment
        self.revokedBy = revokedBy
        self.revokedAt = revokedAt
    }
}

/// `clm.certificate.revoke.v1` on the command topic: what `POST …/certificates/{serial}/revoke`
/// (or `…/requests/{id}/revoke`) does, for systems that talk Kafka. The envelope's `realm` names
/// the realm; the token is judged like the API's. Exactly one of `serialNumber` and `request`.
/// The CA gateway answers with one `clm.request.command-result.v1` under the command's id.
public struct RevokeCommand: Codable, Sendable, Equatable {
    /// A bearer JWT (without the `Bearer ` prefix). Never logged, stored or echoed.
    public var token: String
    public var serialNumber: String?
    public var request: UUID?
    public var reason: RevocationReasonName
    public var comment: String?

    public init(
        token: String, serialNumber: String? = nil, request: UUID? = nil, reason: RevocationReasonName,
        comment: String? = nil
    ) {
        self.token = token
        self.serialNumber = serialNumber
        self.request = request
        self.reason = reason
        self.comment = comment
    }
}
