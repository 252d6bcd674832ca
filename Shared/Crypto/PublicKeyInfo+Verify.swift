import COpenSSL

extension PublicKeyInfo {
    /// Checks a signature made by ``PrivateKey/sign(_:digest:)``: RSASSA-PKCS1-v1_5 for RSA,
    /// DER `ECDSA-Sig-Value` for EC, pure EdDSA for Ed25519/Ed448.
    ///
    /// Every failure (wrong key, tampered message, malformed signature, a `digest` that does not
    /// fit the key type) is `false`: a verifier has nothing useful to tell an attacker.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], digest: SignatureDigest?) -> Bool {
        guard !signature.isEmpty, (try? SignatureDigest.check(digest, for: algorithm)) != nil else { return false }
        let valid =
            (try? withEVPKey { pkey -> Bool in
                guard let context = EVP_MD_CTX_new() else { return false }
                defer { EVP_MD_CTX_free(context) }
                var keyContext: OpaquePointer? = nil
                guard EVP_DigestVerifyInit_ex(context, &keyContext, digest?.rawValue, nil, nil, pkey, nil) == 1 else {
                    return false
                }
                if algorithm == .rsa {
                    guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) == 1 else { return false }
                }
                return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
            }) ?? false
        // A failed verification leaves reasons on the thread's queue; do not let them leak into
        // the next unrelated error message.
        if !valid { _ = OpenSSLSupport.drainErrors() }
        return valid
    }
}
