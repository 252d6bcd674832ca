import COpenSSL

/// PKCS#12 bundles (private key + certificate + chain) for key download.
public enum PKCS12 {
    /// PBKDF2 iterations for the key and certificate bags and the MAC.
    public static let iterations: Int32 = 100_000

    /// Builds a password-protected PKCS#12 file: key and certificates encrypted with PBES2
    /// (PBKDF2-HMAC-SHA256, AES-256-CBC), integrity by an HMAC-SHA256 MAC.
    ///
    /// - Parameters:
    ///   - key: The private key; must belong to `certificate`.
    ///   - certificate: The end-entity certificate.
    ///   - chain: Issuing CA certificates (leaf's issuer first), included for convenience.
    ///   - password: The user's password; must not be empty.
    ///   - friendlyName: An optional display name for the key/certificate pair.
    /// - Throws: ``CryptoError/keyMismatch`` if the key does not belong to the certificate,
    ///   ``CryptoError/malformedInput`` for an empty password.
    public static func export(
        key: PrivateKey, certificate: Certificate, chain: [Certificate] = [], password: String,
        friendlyName: String? = nil
    ) throws -> SensitiveBytes {
        guard !password.isEmpty else { throw CryptoError(.malformedInput, "a PKCS#12 password must not be empty") }
        guard certificate.publicKey == key.publicKey else {
            throw CryptoError(.keyMismatch, "the private key does not belong to the certificate")
        }
        let leaf = try certificate.withX509 { $0 }
        defer { X509_free(leaf) }
        guard let stack = clm_x509_stack_new() else {
            throw OpenSSLSupport.failure("allocating the certificate stack failed")
        }
        defer { clm_x509_stack_free(stack) }
        for member in chain {
            let x509 = try member.withX509 { $0 }
            guard clm_x509_stack_push(stack, x509) > 0 else {
                X509_free(x509)
                throw OpenSSLSupport.failure("building the certificate stack failed")
            }
        }
        let bundle = password.withCString { pass in
            friendlyName.withOptionalCString { name in
                PKCS12_create(
                    pass, name, key.pointer, leaf, stack, NID_aes_256_cbc, NID_aes_256_cbc, iterations, iterations, 0
                )
            }
        }
        guard let bundle else { throw OpenSSLSupport.failure("PKCS12_create failed") }
        defer { PKCS12_free(bundle) }
        let length = i2d_PKCS12(bundle, nil)
        guard length > 0 else { throw OpenSSLSupport.failure("PKCS#12 encoding failed") }
        return try SensitiveBytes(count: Int(length)) { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard i2d_PKCS12(bundle, &cursor) == length else { throw OpenSSLSupport.failure("PKCS#12 encoding failed") }
        }
    }
}

extension Optional where Wrapped == String {
    fileprivate func withOptionalCString<Result>(_ body: (UnsafePointer<CChar>?) -> Result) -> Result {
        switch self {
        case .some(let text): text.withCString { body($0) }
        case .none: body(nil)
        }
    }
}
