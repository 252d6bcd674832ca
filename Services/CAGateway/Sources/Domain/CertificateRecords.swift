import CLMContracts
import CLMCrypto
import Foundation

/// A certificate the gateway signed, as it keeps it in its inventory: what the order said
/// about who asked and under which policy goes along, for searches.
struct IssuedCertificate: Sendable, Equatable {
    var ca: String
    var serialNumber: String
    var request: UUID
    var realm: String
    var subject: String
    var notBefore: Date
    var notAfter: Date
    var pem: String
    var requester: String
    var policy: String
    var policyVersion: Int
    var entities: [String]
    /// `dns:…`, `ip:…`, `email:…`, `uri:…`.
    var alternativeNames: [String]
    /// When to warn before `notAfter`, in seconds (the policy's `expiryWarnings`, via the order).
    var expiryWarnings: [Int] = []
}

extension IssuedCertificate {
    /// The inventory entry of `certificate`, signed by `ca` for `order`.
    init(_ certificate: Certificate, by ca: String, for order: RequestSubmitted) {
        self.init(
            ca: ca, serialNumber: certificate.serialNumberHex, request: order.request, realm: order.realm,
            subject: certificate.subject, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
            pem: certificate.pem, requester: order.requester, policy: order.policy, policyVersion: order.policyVersion,
            entities: order.entities ?? [],
            alternativeNames: order.alternativeNames.map { "\($0.kind.rawValue):\($0.value)" },
            expiryWarnings: order.expiryWarningSeconds ?? [])
    }
}

/// A certificate with an expiry notice due (or soon due), as the sweep reads it.
struct ExpiringCertificate: Sendable, Equatable {
    var ca: String
    var serialNumber: String
    var request: UUID
    var realm: String
    var subject: String
    var notAfter: Date
    var requester: String
    var alternativeNames: [String]
    /// The policy's thresholds, in seconds before `notAfter`.
    var thresholds: [Int]
    /// Notices already recorded (thresholds, `0` for the expiry).
    var done: Set<Int>
    /// The addresses the order's e-mail verification confirmed.
    var verifiedEmails: [String]
}
