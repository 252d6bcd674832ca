import CLMContracts
import CLMCrypto
import Foundation
import Logging

/// The OCSP responder of one CA (RFC 6960): parses the request, asks the inventory about its
/// serials and signs the answer with the issuing CA's key. It reads the same rows the CRL is
/// signed from, in the same committed state, so the two never disagree.
///
/// It never throws for what a client sent: a request that does not parse is answered
/// `malformedRequest`, a database that cannot be read `tryLater`.
struct AnswerOCSP: Sendable {
    let store: any CAGatewayStore
    /// `nextUpdate` − `thisUpdate` of every response.
    let validity: TimeInterval

    /// The DER response, and whether it is a signed one that caches may keep (`successful`).
    func callAsFunction(_ bytes: [UInt8], authority: CertificateAuthority, logger: Logger, now: Date = Date())
        async -> (response: [UInt8], cacheable: Bool)
    {
        let request: OCSPRequest
        do {
            request = try OCSPRequest(der: bytes)
        } catch {
            logger.info("malformed OCSP request", metadata: ["ca": "\(authority.name)", "bytes": "\(bytes.count)"])
            return (Self.failure(.malformedRequest), false)
        }
        let serials = request.certIDs.filter { $0.isIssued(by: authority.issuing) }.map(\.serialNumber.hex)
        let known: [String: (time: Date, reason: RevocationReasonName)?]
        do {
            known = try await store.revocationStatus(ca: authority.name, serials: serials, logger: logger)
        } catch {
            logger.warning("OCSP status unavailable", metadata: ["ca": "\(authority.name)", "error": "\(error)"])
            return (Self.failure(.tryLater), false)
        }
        do {
            let response = try authority.ocspResponse(
                to: request, thisUpdate: now, nextUpdate: now.addingTimeInterval(validity)
            ) { serial in
                switch known[serial.hex] {
                case .none: .unknown
                case .some(.none): .good
                case .some(.some(let revocation)): .revoked(time: revocation.time, reason: revocation.reason.crlReason)
                }
            }
            return (response, true)
        } catch {
            logger.error(
                "OCSP response could not be signed", metadata: ["ca": "\(authority.name)", "error": "\(error)"])
            return (Self.failure(.internalError), false)
        }
    }

    /// An unsigned error response; its encoding is fixed, so building it cannot fail in practice.
    private static func failure(_ status: OCSPResponseBuilder.Failure) -> [UInt8] {
        (try? OCSPResponseBuilder.failure(status)) ?? [0x30, 0x03, 0x0A, 0x01, UInt8(status.rawValue)]
    }
}
