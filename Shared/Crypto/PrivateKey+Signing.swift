import COpenSSL

/// The message digest a signature is computed over. EdDSA hashes internally and takes none.
public enum SignatureDigest: String, Sendable, Hashable, CaseIterable {
    case sha256 = "SHA256"
    case sha384 = "SHA384"
    case sha512 = "SHA512"
}

extension PrivateKey {
    /// Signs `message`: RSASSA-PKCS1-v1_5 for RSA, ECDSA (DER `ECDSA-Sig-Value`) for EC, pure
    /// EdDSA for Ed25519/Ed448.
    ///
    /// - Parameter digest: required for RSA and EC; must be `nil` for EdDSA.
    /// - Throws: ``CryptoError/unsupportedAlgorithm`` when `digest` does not fit the key type.
    public func sign(_ message: [UInt8], digest: SignatureDigest?) throws -> [UInt8] {
        try SignatureDigest.check(digest, for: publicKey.algorithm)
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLSupport.failure("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer? = nil
        guard EVP_DigestSignInit_ex(context, &keyContext, digest?.rawValue, nil, nil, pointer, nil) == 1 else {
            throw OpenSSLSupport.failure("EVP_DigestSignInit_ex failed")
        }
        if publicKey.algorithm == .rsa {
            // Explicit, so a provider default can never silently switch to PSS.
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) == 1 else {
                throw OpenSSLSupport.failure("setting RSA PKCS#1 v1.5 padding failed")
            }
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw OpenSSLSupport.failure("measuring the signature failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw OpenSSLSupport.failure("signing failed")
        }
        // ECDSA signatures vary in length; the first call gave the maximum.
        return Array(signature.prefix(length))
    }
}

extension SignatureDigest {
    /// EdDSA takes no digest; every other algorithm needs one.
    static func check(_ digest: SignatureDigest?, for algorithm: KeyAlgorithm) throws {
        switch (algorithm, digest) {
        case (.ed25519, nil), (.ed448, nil), (.rsa, .some), (.ec, .some):
            return
        case (.ed25519, .some), (.ed448, .some):
            throw CryptoError(.unsupportedAlgorithm, "EdDSA signs the message itself; pass no digest")
        case (.rsa, nil), (.ec, nil):
            throw CryptoError(.unsupportedAlgorithm, "\(algorithm.rawValue) signatures need a digest")
        }
    }
}
