import COpenSSL

/// A private key held inside OpenSSL (`EVP_PKEY`), freed when the last reference goes.
///
/// The key never leaves as anything but ``SensitiveBytes`` (wiped on release). An `EVP_PKEY` is
/// safe to use from several threads for signing and export once built, and this class never
/// mutates it, hence `@unchecked Sendable`.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    /// The OpenSSL key; owned by this object.
    let pointer: OpaquePointer
    /// The validated public half.
    public let publicKey: PublicKeyInfo

    /// Takes ownership of `pointer` (freed on failure too) after validating its public half.
    init(taking pointer: OpaquePointer) throws {
        do {
            self.publicKey = try PublicKeyInfo(evpKey: pointer)
        } catch {
            EVP_PKEY_free(pointer)
            throw error
        }
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// Generates a new key. RSA keys use the public exponent 65537.
    ///
    /// - Throws: ``CryptoError/unsupportedAlgorithm`` for an RSA size other than 2048/3072/4096.
    public static func generate(_ spec: KeySpec) throws -> PrivateKey {
        let algorithmName: String
        switch spec {
        case .rsa(let bits):
            guard KeySpec.supportedRSABits.contains(bits) else {
                throw CryptoError(.unsupportedAlgorithm, "RSA key size \(bits) is not one of 2048, 3072, 4096")
            }
            algorithmName = "RSA"
        case .ec: algorithmName = "EC"
        case .ed25519: algorithmName = "ED25519"
        case .ed448: algorithmName = "ED448"
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithmName, nil) else {
            throw OpenSSLSupport.failure("EVP_PKEY_CTX_new_from_name(\(algorithmName)) failed")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw OpenSSLSupport.failure("EVP_PKEY_keygen_init failed") }
        switch spec {
        case .rsa(let bits):
            // OpenSSL's default public exponent is 65537; set the size only.
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else {
                throw OpenSSLSupport.failure("setting the RSA key size failed")
            }
        case .ec(let curve):
            guard EVP_PKEY_CTX_set_group_name(context, curve.openSSLGroupName) == 1 else {
                throw OpenSSLSupport.failure("setting the EC curve failed")
            }
        case .ed25519, .ed448:
            break
        }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLSupport.failure("key generation failed")
        }
        return try PrivateKey(taking: key)
    }

    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` (DER).
    public convenience init(pkcs8DER: [UInt8]) throws {
        let info = try OpenSSLSupport.decodeDER(
            pkcs8DER, what: "PKCS#8 private key", { d2i_PKCS8_PRIV_KEY_INFO(nil, $0, $1) },
            free: PKCS8_PRIV_KEY_INFO_free
        )
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        guard let key = EVP_PKCS82PKEY(info) else {
            throw OpenSSLSupport.failure("PKCS#8 private key could not be decoded", code: .malformedInput)
        }
        try self.init(taking: key)
    }

    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` (DER) held in `SensitiveBytes`, without
    /// copying it into memory that would not be wiped.
    public convenience init(pkcs8DER: SensitiveBytes) throws {
        let key: OpaquePointer = try pkcs8DER.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw CryptoError(.malformedInput, "PKCS#8 private key is empty")
            }
            var cursor: UnsafePointer<UInt8>? = base
            guard let info = d2i_PKCS8_PRIV_KEY_INFO(nil, &cursor, bytes.count) else {
                throw OpenSSLSupport.failure("PKCS#8 private key is malformed", code: .malformedInput)
            }
            defer { PKCS8_PRIV_KEY_INFO_free(info) }
            guard let key = EVP_PKCS82PKEY(info) else {
                throw OpenSSLSupport.failure("PKCS#8 private key could not be decoded", code: .malformedInput)
            }
            return key
        }
        try self.init(taking: key)
    }

    /// Loads a `PRIVATE KEY` or `ENCRYPTED PRIVATE KEY` PEM block; `password` is needed for the latter.
    ///
    /// - Throws: ``CryptoError/decryptionFailed`` for a wrong or missing password.
    public convenience init(pkcs8PEM: SensitiveBytes, password: String?) throws {
        let text = pkcs8PEM.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        let encrypted = text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        guard encrypted || text.contains("-----BEGIN PRIVATE KEY-----") else {
            throw CryptoError(.malformedInput, "expected a PEM \"PRIVATE KEY\" or \"ENCRYPTED PRIVATE KEY\" block")
        }
        let key: OpaquePointer? = pkcs8PEM.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            // With no callback, OpenSSL takes `u` as the NUL-terminated password.
            return (password ?? "").withCString { passphrase in
                PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: passphrase))
            }
        }
        guard let key else {
            throw OpenSSLSupport.failure(
                encrypted
                    ? "private key could not be decrypted (wrong password?)" : "private key PEM could not be decoded",
                code: encrypted ? .decryptionFailed : .malformedInput
            )
        }
        try self.init(taking: key)
    }

    /// The key as unencrypted PKCS#8 `PrivateKeyInfo` DER.
    ///
    /// Encoding a key OpenSSL already holds fails only when memory is exhausted, so this traps
    /// rather than throwing.
    public func pkcs8DER() -> SensitiveBytes {
        guard let info = EVP_PKEY2PKCS8(pointer) else {
            fatalError("EVP_PKEY2PKCS8 failed: \(OpenSSLSupport.drainErrors())")
        }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, nil)
        precondition(length > 0, "PKCS#8 encoding failed")
        return SensitiveBytes(count: Int(length)) { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            precondition(i2d_PKCS8_PRIV_KEY_INFO(info, &cursor) == length, "PKCS#8 encoding failed")
        }
    }

    /// The key as PKCS#8 PEM: `ENCRYPTED PRIVATE KEY` (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC)
    /// when `password` is given and non-empty, else `PRIVATE KEY`.
    public func pkcs8PEM(password: String?) throws -> SensitiveBytes {
        // A secure-memory BIO wipes its buffer when freed.
        guard let bio = BIO_new(BIO_s_secmem()) else { throw OpenSSLSupport.failure("BIO_new failed") }
        defer { BIO_free(bio) }
        let written: Int32
        if let password, !password.isEmpty {
            var passwordBytes = Array(password.utf8)
            defer { OPENSSL_cleanse(&passwordBytes, passwordBytes.count) }
            written = passwordBytes.withUnsafeMutableBytes { raw in
                PEM_write_bio_PKCS8PrivateKey(
                    bio, pointer, EVP_aes_256_cbc(), raw.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(raw.count), nil, nil
                )
            }
        } else {
            written = PEM_write_bio_PKCS8PrivateKey(bio, pointer, nil, nil, 0, nil, nil)
        }
        guard written == 1 else { throw OpenSSLSupport.failure("PKCS#8 PEM encoding failed") }
        var data: UnsafePointer<CChar>? = nil
        let length = clm_bio_mem_data(bio, &data)
        guard let data, length > 0 else { throw OpenSSLSupport.failure("PKCS#8 PEM encoding produced nothing") }
        return SensitiveBytes(count: length) { buffer in
            buffer.copyMemory(from: UnsafeRawBufferPointer(start: data, count: length))
        }
    }

    /// The digest to sign with for this key: SHA-256 for RSA and P-256, SHA-384 for P-384,
    /// SHA-512 for P-521, none (built in) for EdDSA.
    var signingDigest: OpaquePointer? {
        switch publicKey.spec {
        case .rsa, .ec(curve: .p256): EVP_sha256()
        case .ec(curve: .p384): EVP_sha384()
        case .ec(curve: .p521): EVP_sha512()
        case .ed25519, .ed448: nil
        }
    }

    public var description: String { "PrivateKey(\(publicKey.spec), <redacted>)" }
}
