import COpenSSL

/// AES-256-GCM with a 12-byte nonce and a 16-byte tag, over `EVP_aes_256_gcm`.
enum AESGCM {
    static let keySize = 32
    static let nonceSize = 12
    static let tagSize = 16

    /// Encrypts `plaintext` under `key` with a fresh random nonce.
    static func seal(
        key: UnsafeRawBufferPointer, plaintext: UnsafeRawBufferPointer, associatedData: [UInt8]
    ) throws -> (nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        precondition(key.count == keySize)
        let nonce = SecureRandom.bytes(nonceSize)
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLSupport.failure("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard
            EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key.bindMemory(to: UInt8.self).baseAddress, nonce) == 1
        else {
            throw OpenSSLSupport.failure("AES-GCM init failed")
        }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            guard EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw OpenSSLSupport.failure("AES-GCM associated data failed")
            }
        }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var total = 0
        if plaintext.count > 0 {
            guard
                EVP_EncryptUpdate(
                    context, &ciphertext, &length, plaintext.bindMemory(to: UInt8.self).baseAddress,
                    Int32(plaintext.count)) == 1
            else {
                throw OpenSSLSupport.failure("AES-GCM encryption failed")
            }
            total = Int(length)
        }
        let finished = ciphertext.withUnsafeMutableBufferPointer {
            EVP_EncryptFinal_ex(context, $0.baseAddress! + total, &length)
        }
        guard finished == 1 else { throw OpenSSLSupport.failure("AES-GCM finalisation failed") }
        total += Int(length)
        var tag = [UInt8](repeating: 0, count: tagSize)
        guard EVP_CIPHER_CTX_ctrl(context, clm_ctrl_gcm_get_tag(), Int32(tagSize), &tag) == 1 else {
            throw OpenSSLSupport.failure("reading the AES-GCM tag failed")
        }
        return (nonce, Array(ciphertext[0..<total]), tag)
    }

    /// Decrypts and authenticates; any mismatch throws ``CryptoError/decryptionFailed`` and no plaintext escapes.
    static func open(
        key: UnsafeRawBufferPointer, nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8], associatedData: [UInt8]
    ) throws -> SensitiveBytes {
        precondition(key.count == keySize)
        guard nonce.count == nonceSize, tag.count == tagSize else {
            throw CryptoError(.decryptionFailed, "sealed data has a wrong nonce or tag length")
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLSupport.failure("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard
            EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key.bindMemory(to: UInt8.self).baseAddress, nonce) == 1
        else {
            throw OpenSSLSupport.failure("AES-GCM init failed")
        }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            guard EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw OpenSSLSupport.failure("AES-GCM associated data failed")
            }
        }
        // GCM output never exceeds the input, so the plaintext fits in `ciphertext.count` bytes.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ciphertext.count + 16, alignment: 16)
        defer {
            OPENSSL_cleanse(buffer.baseAddress, buffer.count)
            buffer.deallocate()
        }
        let out = buffer.bindMemory(to: UInt8.self).baseAddress!
        var total = 0
        if !ciphertext.isEmpty {
            guard EVP_DecryptUpdate(context, out, &length, ciphertext, Int32(ciphertext.count)) == 1 else {
                throw CryptoError(.decryptionFailed, "decryption failed")
            }
            total = Int(length)
        }
        var tagCopy = tag
        guard EVP_CIPHER_CTX_ctrl(context, clm_ctrl_gcm_set_tag(), Int32(tagSize), &tagCopy) == 1 else {
            throw OpenSSLSupport.failure("setting the AES-GCM tag failed")
        }
        guard EVP_DecryptFinal_ex(context, out + total, &length) == 1 else {
            _ = OpenSSLSupport.drainErrors()
            throw CryptoError(
                .decryptionFailed, "authentication failed: wrong key, wrong associated data, or tampered data")
        }
        total += Int(length)
        return SensitiveBytes(count: total) { $0.copyMemory(from: UnsafeRawBufferPointer(start: out, count: total)) }
    }
}
