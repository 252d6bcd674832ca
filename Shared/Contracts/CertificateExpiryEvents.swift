import Foundation

/// `clm.certificate.expiring.v1` on the lifecycle topic, keyed by the request id: a certificate
/// reached one of its policy's warning thresholds (`expiryWarnings`). The CA gateway publishes
/// it once per certificate and threshold, across restarts and replicas; the approval service
/// mails the requester and the end entities so someone renews in time.
public struct CertificateExpiring: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var ca: String
    /// Hex, upper case, no separators.
    public var serialNumber: String
    /// The certificate's subject, as the inventory shows it.
    public var subject: String
    public var notAfter: Date
    /// The threshold that fell due: seconds before `notAfter`.
    public var thresholdSeconds: Int
    public var requester: String
    /// `dns:…`, `ip:…`, `email:…`, `uri:…`.
    public var alternativeNames: [String]
    /// The end entities' e-mail addresses: those the request verified and the certificate's
    /// `email:` names. Who is told besides the requester; may be empty.
    public var emails: [String]

    public init(
        request: UUID, realm: String, ca: String, serialNumber: String, subject: String, notAfter: Date,
        thresholdSeconds: Int, requester: String, alternativeNames: [String], emails: [String]
    ) {
        self.request = request
        self.realm = realm
        self.ca = ca
        self.serialNumber = serialNumber
        self.subject = subject
        self.notAfter = notAfter
        self.thresholdSeconds = thresholdSeconds
        self.requester = requester
        self.alternativeNames = alternativeNames
        self.emails = emails
    }
}

/// `clm.certificate.expired.v1` on the lifecycle topic, keyed by the request id: a certificate
/// that was not revoked passed its `notAfter`. Published once per certificate.
public struct CertificateExpired: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var ca: String
    /// Hex, upper case, no separators.
    public var serialNumber: String
    public var subject: String
    public var notAfter: Date
    public var requester: String

    public init(
        request: UUID, realm: String, ca: String, serialNumber: String, subject: String, notAfter: Date,
        requester: String
    ) {
        self.request = request
        self.realm = realm
        self.ca = ca
        self.serialNumber = serialNumber
        self.subject = subject
        self.notAfter = notAfter
        self.requester = requester
    }
}
