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
}

extension IssuedCertificate {
    /// The inventory entry of `certificate`, signed by `ca` for `order`.
    init(_ certificate: Certificate, by ca: String, for order: RequestSubmitted) {
        self.init(
            ca: ca, serialNumber: certificate.serialNumberHex, request: order.request, realm: order.realm,
            subject: certificate.subject, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
            pem: certificate.pem, requester: order.requester, policy: order.policy, policyVersion: order.policyVersion,
            entities: order.entities ?? [],
            alternativeNames: order.alternativeNames.map { "\($0.kind.rawValue):\($0.value)" })
    }
}
