import COpenSSL

/// A parsed RFC 6960 OCSP request: the CertIDs asked about and the client's nonce, nothing else.
///
/// Requests come from anyone on the network, so parsing is strict and bounded: a size cap, at least
/// one and at most ``maximumCertIDs`` CertIDs, at most one nonce, and every failure is a
/// ``CryptoError`` (the responder answers `malformedRequest`). A request signature, if present, is
/// ignored: CLM answers anonymous requests and does not authenticate clients through OCSP.
public struct OCSPRequest: Sendable, Hashable {
    /// Larger requests are refused before OpenSSL sees them.
    public static let maximumSize = 65_536
    /// More CertIDs than this in one request are refused.
    public static let maximumCertIDs = 64

    /// The certificates asked about, in request order.
    public let certIDs: [OCSPCertID]
    /// The nonce extension's extnValue exactly as sent (for OpenSSL clients a DER OCTET STRING
    /// wrapping the random bytes), echoed unchanged by ``OCSPResponseBuilder``; `nil` if none.
    public let nonce: [UInt8]?

    /// Parses a DER `OCSPRequest`.
    ///
    /// - Throws: ``CryptoError/malformedInput`` for anything that is not a well-formed request within
    ///   the limits; ``CryptoError/unsupportedAlgorithm`` for a CertID hash other than SHA-1/SHA-2.
    public init(der: [UInt8]) throws {
        guard der.count <= Self.maximumSize else {
            throw CryptoError(.malformedInput, "OCSP request is larger than \(Self.maximumSize) bytes")
        }
        let request = try OpenSSLSupport.decodeDER(
            der, what: "OCSP request", { d2i_OCSP_REQUEST(nil, $0, $1) }, free: OCSP_REQUEST_free)
        defer { OCSP_REQUEST_free(request) }
        let count = Int(OCSP_request_onereq_count(request))
        guard (1...Self.maximumCertIDs).contains(count) else {
            throw CryptoError(.malformedInput, "OCSP request must ask about 1 to \(Self.maximumCertIDs) certificates")
        }
        self.certIDs = try (0..<count).map { index in
            guard let single = OCSP_request_onereq_get0(request, Int32(index)),
                let certID = OCSP_onereq_get0_id(single)
            else {
                throw CryptoError(.malformedInput, "OCSP request entry \(index) is unreadable")
            }
            return try OCSPCertID(certID)
        }
        self.nonce = try Self.nonce(request)
    }

    private static func nonce(_ request: OpaquePointer) throws -> [UInt8]? {
        let index = OCSP_REQUEST_get_ext_by_NID(request, NID_id_pkix_OCSP_Nonce, -1)
        guard index >= 0 else { return nil }
        guard OCSP_REQUEST_get_ext_by_NID(request, NID_id_pkix_OCSP_Nonce, index) < 0 else {
            throw CryptoError(.malformedInput, "OCSP request has more than one nonce")
        }
        guard let extensionValue = OCSP_REQUEST_get_ext(request, index),
            let data = X509_EXTENSION_get_data(extensionValue)
        else {
            throw CryptoError(.malformedInput, "OCSP request nonce is unreadable")
        }
        let bytes = ASN1Values.bytes(data)
        // RFC 8954 allows 1 to 32 nonce octets; leave room for the OCTET STRING wrapper and old clients.
        guard (1...128).contains(bytes.count) else {
            throw CryptoError(.malformedInput, "OCSP request nonce is empty or longer than 128 bytes")
        }
        return bytes
    }
}
