import COpenSSL

/// The checks every CA signer (of certificates and of revocation data) goes through before
/// OpenSSL sees its key.
enum IssuerCheck {
    /// Checks that `certificate` is a CA and that `key` is its private half.
    static func requireCA(_ certificate: Certificate, key: PrivateKey) throws {
        guard certificate.isCA else { throw CryptoError(.malformedInput, "issuer certificate is not a CA") }
        guard certificate.publicKey == key.publicKey else {
            throw CryptoError(.keyMismatch, "issuer key does not belong to the issuer certificate")
        }
    }

    /// Checks that `certificate` is a CA whose keyUsage (if present) allows `usage`, and that `key`
    /// is its private half; returns the decoded `X509*`, which the caller frees.
    static func signer(_ certificate: Certificate, key: PrivateKey, usage: UInt32, what: String) throws -> OpaquePointer
    {
        try requireCA(certificate, key: key)
        let x509 = try certificate.withX509 { $0 }
        // UINT32_MAX means "no keyUsage extension": every usage is allowed.
        guard X509_get_key_usage(x509) & usage != 0 else {
            X509_free(x509)
            throw CryptoError(.malformedInput, "issuer certificate's key usage does not allow signing \(what)")
        }
        return x509
    }

    /// The issuer's subjectKeyIdentifier, or (if it has none) the SHA-1 of its public key bits,
    /// RFC 5280 §4.2.1.2 method 1, which is what ``CertificateBuilder`` writes.
    static func keyIdentifier(_ x509: OpaquePointer) throws -> [UInt8] {
        if let identifier = X509_get0_subject_key_id(x509) {
            return ASN1Values.bytes(identifier)
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_pubkey_digest(x509, EVP_sha1(), &digest, &length) == 1 else {
            throw OpenSSLSupport.failure("hashing the issuer key failed")
        }
        return Array(digest.prefix(Int(length)))
    }
}
