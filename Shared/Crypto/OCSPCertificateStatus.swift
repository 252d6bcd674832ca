import Foundation

/// What an OCSP response says about one certificate (RFC 6960 §2.2).
public enum OCSPCertificateStatus: Sendable, Hashable {
    /// Issued by this CA and not revoked.
    case good
    /// Revoked at `time` for `reason` (an `unspecified` reason is left out of the response).
    case revoked(time: Date, reason: RevocationReason)
    /// The responder does not know the serial.
    case unknown
}
