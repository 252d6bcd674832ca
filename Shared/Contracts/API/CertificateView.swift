import Foundation

/// An issued certificate in a realm's inventory (`GET /v1/realms/{realm}/certificates`).
public struct CertificateView: Codable, Sendable, Equatable {
    public var ca: String
    public var serialNumber: String
    public var request: UUID
    public var subject: String
    public var notBefore: Date
    public var notAfter: Date
    public var issuedAt: Date

    public init(
        ca: String, serialNumber: String, request: UUID, subject: String, notBefore: Date, notAfter: Date,
        issuedAt: Date
    ) {
        self.ca = ca
        self.serialNumber = serialNumber
        self.request = request
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.issuedAt = issuedAt
    }
}
