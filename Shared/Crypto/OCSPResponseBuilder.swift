import COpenSSL
import Foundation

/// Builds a signed RFC 6960 `OCSPResponse` (a BasicOCSPResponse) for one issuing CA, and the
/// unsigned error responses.
///
/// The response is signed by the CA itself, or by a delegated responder certificate that the CA
/// issued with extendedKeyUsage id-kp-OCSPSigning (then that certificate travels in the response).
/// The responderID is the signer's key hash; producedAt is the signing time; each answer carries
/// ``thisUpdate`` and, if set, ``nextUpdate``; the request's nonce, if any, is echoed unchanged.
/// The digest follows the signer key as in ``CertificateBuilder``.
public struct OCSPResponseBuilder: Sendable {
    /// One answer: the CertID as the client sent it, and what to say about it.
    public struct Answer: Sendable, Hashable {
        public var certID: OCSPCertID
        public var status: OCSPCertificateStatus

        public init(certID: OCSPCertID, status: OCSPCertificateStatus) {
            self.certID = certID
            self.status = status
        }
    }

    /// The unsigned error statuses a responder sends instead of a BasicOCSPResponse.
    public enum Failure: Int, Sendable, Hashable, CaseIterable {
        case malformedRequest = 1
        case internalError = 2
        case tryLater = 3
        case unauthorized = 6
    }

    /// The time the statuses are known to be correct.
    public var thisUpdate: Date
    /// When newer information will be available; `nil` leaves nextUpdate out.
    public var nextUpdate: Date?
    /// The answers, in order; usually one per CertID of the request.
    public var answers: [Answer]
    /// The nonce extnValue to echo, usually ``OCSPRequest/nonce``.
    public var nonce: [UInt8]?

    public init(thisUpdate: Date, nextUpdate: Date?, answers: [Answer] = [], nonce: [UInt8]? = nil) {
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.answers = answers
        self.nonce = nonce
    }

    /// Signs with the CA's own key; see ``sign(issuer:responder:responderKey:)``.
    public func sign(issuer: Certificate, issuerKey: PrivateKey) throws -> [UInt8] {
        try sign(issuer: issuer, responder: issuer, responderKey: issuerKey)
    }

    /// Signs the response as `responder`: the issuing CA itself, or a certificate the CA issued for
    /// OCSP signing.
    ///
    /// - Throws: ``CryptoError/malformedInput`` for no answers, a nextUpdate not after thisUpdate, a
    ///   good or revoked answer whose CertID names another issuer, or a responder that is neither
    ///   the CA nor an OCSP signer issued by it; ``CryptoError/keyMismatch`` if the key does not
    ///   belong to the responder.
    public func sign(issuer: Certificate, responder: Certificate, responderKey: PrivateKey) throws -> [UInt8] {
        try checkInputs(issuer: issuer)
        let delegated = responder != issuer
        let signer = try OCSPSigner.x509(issuer: issuer, responder: responder, key: responderKey)
        defer { X509_free(signer) }

        guard let basic = OCSP_BASICRESP_new() else { throw OpenSSLSupport.failure("OCSP_BASICRESP_new failed") }
        defer { OCSP_BASICRESP_free(basic) }
        try addAnswers(basic)
        if let nonce {
            try addNonce(nonce, to: basic)
        }
        let flags = UInt(OCSP_RESPID_KEY) | (delegated ? 0 : UInt(OCSP_NOCERTS))
        guard OCSP_basic_sign(basic, signer, responderKey.pointer, responderKey.signingDigest, nil, flags) == 1 else {
            throw OpenSSLSupport.failure("signing the OCSP response failed")
        }
        guard let response = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic) else {
            throw OpenSSLSupport.failure("OCSP_response_create failed")
        }
        defer { OCSP_RESPONSE_free(response) }
        return try OpenSSLSupport.encodeDER { i2d_OCSP_RESPONSE(response, $0) }
    }

    /// An unsigned `OCSPResponse` with only the error status, as RFC 6960 §2.3 prescribes.
    public static func failure(_ status: Failure) throws -> [UInt8] {
        guard let response = OCSP_response_create(Int32(status.rawValue), nil) else {
            throw OpenSSLSupport.failure("OCSP_response_create failed")
        }
        defer { OCSP_RESPONSE_free(response) }
        return try OpenSSLSupport.encodeDER { i2d_OCSP_RESPONSE(response, $0) }
    }

    private func checkInputs(issuer: Certificate) throws {
        guard !answers.isEmpty else { throw CryptoError(.malformedInput, "an OCSP response needs at least one answer") }
        if let nextUpdate, nextUpdate <= thisUpdate {
            throw CryptoError(.malformedInput, "nextUpdate must be later than thisUpdate")
        }
        // Never vouch for (or revoke) a certificate of another CA; "unknown" is always true.
        for answer in answers where answer.status != .unknown && !answer.certID.isIssued(by: issuer) {
            throw CryptoError(.malformedInput, "a good or revoked answer names a certificate of another issuer")
        }
    }

    private func addAnswers(_ basic: OpaquePointer) throws {
        let this = try ASN1Values.makeTime(thisUpdate)
        defer { ASN1_TIME_free(this) }
        let next = try nextUpdate.map(ASN1Values.makeTime)
        defer { if let next { ASN1_TIME_free(next) } }
        for answer in answers {
            let certID = try OpenSSLSupport.decodeDER(
                answer.certID.der, what: "OCSP CertID", { d2i_OCSP_CERTID(nil, $0, $1) }, free: OCSP_CERTID_free)
            defer { OCSP_CERTID_free(certID) }
            var status = V_OCSP_CERTSTATUS_GOOD
            var reason = OCSP_REVOKED_STATUS_NOSTATUS
            var time: UnsafeMutablePointer<ASN1_TIME>? = nil
            defer { if let time { ASN1_TIME_free(time) } }
            switch answer.status {
            case .good: break
            case .unknown: status = V_OCSP_CERTSTATUS_UNKNOWN
            case .revoked(let date, let why):
                status = V_OCSP_CERTSTATUS_REVOKED
                reason = why.isEncoded ? Int32(why.code) : OCSP_REVOKED_STATUS_NOSTATUS
                time = try ASN1Values.makeTime(date)
            }
            // The single response is owned by `basic`; the CertID and times are copied.
            guard OCSP_basic_add1_status(basic, certID, status, reason, time, this, next) != nil else {
                throw OpenSSLSupport.failure("adding an OCSP answer failed")
            }
        }
    }

    private func addNonce(_ nonce: [UInt8], to basic: OpaquePointer) throws {
        let value = try ASN1Values.makeOctetString(nonce)
        defer { ASN1_OCTET_STRING_free(value) }
        guard let nonceExtension = X509_EXTENSION_create_by_NID(nil, NID_id_pkix_OCSP_Nonce, 0, value) else {
            throw OpenSSLSupport.failure("building the nonce extension failed")
        }
        defer { X509_EXTENSION_free(nonceExtension) }
        guard OCSP_BASICRESP_add_ext(basic, nonceExtension, -1) == 1 else {
            throw OpenSSLSupport.failure("adding the nonce failed")
        }
    }
}
