import CLMContracts
import CLMCrypto
import Foundation

/// Which certificate a revocation names: by serial, or by the request it was issued for.
enum CertificateLocator: Sendable, Equatable, CustomStringConvertible {
    case serial(String)
    case request(UUID)

    /// A serial as the CA wrote it (upper-case hex, no separators); `invalid-serial` otherwise.
    static func serial(parsing text: String) throws -> CertificateLocator {
        guard text.count <= 64, let serial = try? SerialNumber(hex: text) else {
            throw Problem.invalid("invalid-serial", "serial number must be hexadecimal (at most 20 octets)")
        }
        return .serial(serial.hex)
    }

    var description: String {
        switch self {
        case .serial(let serial): "certificate \(serial)"
        case .request(let id): "certificate of request \(id.lowercasedString)"
        }
    }
}

/// Who asks for a revocation.
struct RevocationCaller: Sendable, Equatable {
    var subject: String
    /// Realm admins revoke any certificate of the realm; requesters only their own.
    var isRealmAdmin: Bool
}

/// A certificate as the revocation rules see it.
struct RevocableCertificate: Sendable, Equatable {
    var ca: String
    var serialNumber: String
    var request: UUID
    var realm: String
    var requester: String?
    var notAfter: Date
    var revocation: RevocationView?
}

/// What a revocation must satisfy. Revocation is final and idempotent: a certificate revoked
/// once answers every later revoke with that first revocation, whatever reason they give.
enum RevocationRules {
    static let maximumCommentLength = 1024

    /// The comment trimmed (nil when empty); `invalid-comment` when too long or with control characters.
    static func checkedComment(_ comment: String?) throws -> String? {
        guard let trimmed = comment?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        guard trimmed.count <= maximumCommentLength else {
            throw Problem.invalid("invalid-comment", "comment: at most \(maximumCommentLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) && $0 != "\n" })
        else {
            throw Problem.invalid("invalid-comment", "comment: no control characters")
        }
        return trimmed
    }

    /// Whether `caller` may revoke `certificate`: its requester or a realm admin.
    static func authorize(_ caller: RevocationCaller, toRevoke certificate: RevocableCertificate) throws {
        guard caller.isRealmAdmin || caller.subject == certificate.requester else {
            throw Problem.forbidden(
                "not-requester",
                "only the certificate's requester or a realm-admin may revoke \(certificate.serialNumber)")
        }
    }

    /// A certificate not yet revoked must still be valid: an expired one is refused by
    /// relying parties already, and CRLs drop it.
    static func checkRevocable(_ certificate: RevocableCertificate, now: Date) throws {
        guard certificate.notAfter > now else {
            throw Problem.conflict(
                "certificate-expired",
                "certificate \(certificate.serialNumber) expired at "
                    + "\(ContractCoding.formatTimestamp(certificate.notAfter)); it cannot be revoked")
        }
    }
}

extension RevocationReasonName {
    /// The RFC 5280 reason the CRL and OCSP carry.
    var crlReason: RevocationReason {
        switch self {
        case .unspecified: .unspecified
        case .keyCompromise: .keyCompromise
        case .affiliationChanged: .affiliationChanged
        case .superseded: .superseded
        case .cessationOfOperation: .cessationOfOperation
        case .privilegeWithdrawn: .privilegeWithdrawn
        }
    }
}
