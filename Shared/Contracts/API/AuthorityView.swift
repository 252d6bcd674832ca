import Foundation

/// A certificate authority of the gateway (`GET /v1/cas`, `/v1/cas/{ca}`).
public struct AuthorityView: Codable, Sendable, Equatable {
    public var name: String
    public var subject: String
    /// The issuing key, e.g. `ec:P-256`.
    public var key: String
    public var notAfter: Date
    public var rootFingerprintSHA256: String
    /// Whether the CA issues now; when not, why (requests wait and retry).
    public var available: Bool
    public var unavailableReason: String?

    public init(
        name: String, subject: String, key: String, notAfter: Date, rootFingerprintSHA256: String, available: Bool,
        unavailableReason: String?
    ) {
        self.name = name
        self.subject = subject
        self.key = key
        self.notAfter = notAfter
        self.rootFingerprintSHA256 = rootFingerprintSHA256
        self.available = available
        self.unavailableReason = unavailableReason
    }
}

/// The body of `PUT /v1/cas/{ca}/availability`: take a CA out of service (with why) or back.
public struct CAAvailabilityBody: Codable, Sendable, Equatable {
    public var available: Bool
    public var reason: String?

    public init(available: Bool, reason: String? = nil) {
        self.available = available
        self.reason = reason
    }
}
