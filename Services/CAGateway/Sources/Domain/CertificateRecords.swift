import Foundation

/// A certificate the gateway signed, as it keeps it in its inventory.
struct IssuedCertificate: Sendable, Equatable {
    var ca: String
    var serialNumber: String
    var request: UUID
    var realm: String
    var subject: String
    var notBefore: Date
    var notAfter: Date
    var pem: String
}

/// A certificate of the inventory as listed.
struct CertificateSummary: Sendable, Equatable {
    var ca: String
    var serialNumber: String
    var request: UUID
    var subject: String
    var notBefore: Date
    var notAfter: Date
    var issuedAt: Date
}
