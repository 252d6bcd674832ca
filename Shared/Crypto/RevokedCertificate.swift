import Foundation

/// One entry of a CRL or one revoked answer of an OCSP response: which serial, since when, and why.
public struct RevokedCertificate: Sendable, Hashable, Codable {
    /// The revoked certificate's serial number.
    public var serialNumber: SerialNumber
    /// When the revocation took effect (whole seconds are encoded).
    public var revocationDate: Date
    /// Why; ``RevocationReason/unspecified`` is encoded as no reason at all.
    public var reason: RevocationReason

    public init(serialNumber: SerialNumber, revocationDate: Date, reason: RevocationReason = .unspecified) {
        self.serialNumber = serialNumber
        self.revocationDate = revocationDate
        self.reason = reason
    }
}
