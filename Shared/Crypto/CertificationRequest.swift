import COpenSSL

/// A PKCS#10 certification request, reduced to what CLM may use from it: the public key.
///
/// Parsing verifies the request's self-signature (proof of possession of the private key) and
/// validates the key. The subject, attributes and requested extensions are deliberately not
/// exposed (apart from a subject string for diagnostics): nothing from a CSR reaches a certificate.
public struct CertificationRequest: Sendable, Hashable {
    /// Inputs larger than this are refused before parsing.
    public static let maximumSize = 64 * 1024

    /// The validated public key; the only part of a CSR that may be used for issuance.
    public let publicKey: PublicKeyInfo
    /// The subject the requester put in the CSR (RFC 2253), for diagnostics only.
    public let requestedSubject: String
    /// What the CSR asked for that CLM drops, in words (`subject CN=x`, `extension
    /// subjectAltName`, `attribute challengePassword`): shown to the requester, never used.
    public let discarded: [String]

    /// Parses a CSR in PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER.
    ///
    /// - Throws: ``CryptoError/malformedInput`` (empty, oversize, garbage, truncated, wrong PEM
    ///   label), ``CryptoError/badSignature`` (proof of possession fails), and the key errors of
    ///   ``PublicKeyInfo/init(spkiDER:)`` (``CryptoError/weakKey``, ``CryptoError/unsupportedAlgorithm``).
    public static func parse(_ bytes: [UInt8]) throws -> CertificationRequest {
        guard !bytes.isEmpty else { throw CryptoError(.malformedInput, "certificate request is empty") }
        guard bytes.count <= maximumSize else {
            throw CryptoError(.malformedInput, "certificate request is larger than \(maximumSize / 1024) KiB")
        }
        let der: [UInt8]
        if PEM.looksLikePEM(bytes) {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CryptoError(.malformedInput, "certificate request PEM is not valid UTF-8 text")
            }
            der = try PEM.decode(text, expecting: ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])
        } else if bytes[0] == 0x30 {
            der = bytes
        } else {
            throw CryptoError(.malformedInput, "certificate request is neither PEM nor DER")
        }

        _ = OpenSSLSupport.drainErrors()
        let request = try OpenSSLSupport.decodeDER(
            der, what: "certificate request", { d2i_X509_REQ(nil, $0, $1) }, free: X509_REQ_free)
        defer { X509_REQ_free(request) }
        guard let key = X509_REQ_get0_pubkey(request) else {
            throw OpenSSLSupport.failure("certificate request public key is unreadable", code: .malformedInput)
        }
        guard X509_REQ_verify(request, key) == 1 else {
            _ = OpenSSLSupport.drainErrors()
            throw CryptoError(.badSignature, "certificate request signature does not verify (no proof of possession)")
        }
        let subject = OpenSSLSupport.nameString(X509_REQ_get_subject_name(request))
        return CertificationRequest(
            publicKey: try PublicKeyInfo(evpKey: key), requestedSubject: subject,
            discarded: (subject.isEmpty ? [] : ["subject \(subject)"]) + Self.requestedParts(request))
    }

    /// Parses a PEM text; see ``parse(_:)``.
    public static func parse(pem: String) throws -> CertificationRequest {
        try parse(Array(pem.utf8))
    }

    private init(publicKey: PublicKeyInfo, requestedSubject: String, discarded: [String]) {
        self.publicKey = publicKey
        self.requestedSubject = requestedSubject
        self.discarded = discarded
    }

    /// The requested extensions and other attributes, by name.
    private static func requestedParts(_ request: OpaquePointer) -> [String] {
        var parts: [String] = []
        if let stack = X509_REQ_get_extensions(request) {
            for index in 0..<OPENSSL_sk_num(stack) {
                guard let raw = OPENSSL_sk_value(stack, index) else { continue }
                parts.append("extension \(objectName(X509_EXTENSION_get_object(OpaquePointer(raw))))")
            }
            OPENSSL_sk_pop_free(stack) { X509_EXTENSION_free(OpaquePointer($0)) }
        }
        for index in 0..<X509_REQ_get_attr_count(request) {
            guard let attribute = X509_REQ_get_attr(request, index) else { continue }
            let object = X509_ATTRIBUTE_get0_object(attribute)
            guard OBJ_obj2nid(object) != NID_ext_req else { continue }
            parts.append("attribute \(objectName(object))")
        }
        return parts
    }

    private static func objectName(_ object: OpaquePointer?) -> String {
        let nid = OBJ_obj2nid(object)
        if nid != NID_undef, let name = OBJ_nid2ln(nid) { return String(cString: name) }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        return length > 0 ? String(cString: buffer) : "unknown"
    }
}
