import COpenSSL

/// Who may sign OCSP responses for an issuing CA (RFC 6960 §4.2.2.2): the CA itself, or a
/// certificate the CA issued directly with extendedKeyUsage id-kp-OCSPSigning.
enum OCSPSigner {
    /// Checks `responder` and `key`, and returns the responder's `X509*`, which the caller frees.
    static func x509(issuer: Certificate, responder: Certificate, key: PrivateKey) throws -> OpaquePointer {
        guard responder.publicKey == key.publicKey else {
            throw CryptoError(.keyMismatch, "the signing key does not belong to the OCSP responder certificate")
        }
        guard issuer.isCA else { throw CryptoError(.malformedInput, "issuer certificate is not a CA") }
        let x509 = try responder.withX509 { $0 }
        if responder == issuer { return x509 }
        let allowed =
            X509_get_extension_flags(x509) & UInt32(EXFLAG_XKUSAGE) != 0
            && X509_get_extended_key_usage(x509) & UInt32(XKU_OCSP_SIGN) != 0
        guard allowed, responder.issuer == issuer.subject, responder.isSigned(by: issuer) else {
            X509_free(x509)
            throw CryptoError(
                .malformedInput, "the OCSP responder is neither the CA nor an OCSP signing certificate issued by it")
        }
        return x509
    }
}
