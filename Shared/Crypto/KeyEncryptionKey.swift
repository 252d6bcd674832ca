import COpenSSL

/// A key-encryption key (KEK) from configuration, used for envelope encryption of private keys.
///
/// Each ``seal(_:associatedData:)`` draws a fresh random 32-byte data key, encrypts the
/// plaintext with it (AES-256-GCM), and wraps the data key under this KEK (AES-256-GCM, with
/// the KEK id bound as associated data). Rotating a KEK means ``rewrap(_:to:)``: only the small
/// wrapped data key changes; the payload ciphertext stays as is.
public final class KeyEncryptionKey: Sendable, CustomStringConvertible {
    /// The KEK's identifier, stored with every sealed key so the right KEK can be found.
    public let id: String
    private let key: SensitiveBytes

    /// Creates a KEK from exactly 32 raw bytes.
    ///
    /// - Throws: ``CryptoError/malformedInput`` if `id` is empty or the key is not 32 bytes long.
    public init(id: String, keyBytes: [UInt8]) throws {
        guard !id.isEmpty, id.utf8.count <= 255 else {
            throw CryptoError(.malformedInput, "key-encryption key id must be 1–255 bytes")
        }
        guard keyBytes.count == AESGCM.keySize else {
            throw CryptoError(
                .malformedInput, "key-encryption key \"\(id)\" must be exactly 32 bytes, got \(keyBytes.count)")
        }
        self.id = id
        self.key = SensitiveBytes(keyBytes)
    }

    /// Creates a KEK from standard base64 (as found in configuration), which must decode to 32 bytes.
    public convenience init(id: String, base64: String) throws {
        guard var bytes = Base64.decode(base64.trimmingWhitespace()) else {
            throw CryptoError(.malformedInput, "key-encryption key \"\(id)\" is not valid base64")
        }
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        try self.init(id: id, keyBytes: bytes)
    }

    /// A new random KEK (for tests and for `make run`'s development configuration).
    public static func generate(id: String) throws -> KeyEncryptionKey {
        var bytes = SecureRandom.bytes(AESGCM.keySize)
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        return try KeyEncryptionKey(id: id, keyBytes: bytes)
    }

    /// Encrypts `plaintext` under a fresh data key, wrapped under this KEK.
    ///
    /// - Parameter associatedData: Context bound to the ciphertext (e.g. realm + key id); the same
    ///   bytes must be given to ``open(_:associatedData:)``.
    public func seal(_ plaintext: SensitiveBytes, associatedData: [UInt8]) throws -> SealedKey {
        let dataKey = SensitiveBytes(count: AESGCM.keySize) { buffer in
            let ok = RAND_bytes(buffer.bindMemory(to: UInt8.self).baseAddress, Int32(buffer.count))
            precondition(ok == 1, "RAND_bytes failed")
        }
        let payload = try dataKey.withUnsafeBytes { keyBuffer in
            try plaintext.withUnsafeBytes {
                try AESGCM.seal(key: keyBuffer, plaintext: $0, associatedData: associatedData)
            }
        }
        return SealedKey(
            kekID: id, wrappedDataKey: try wrap(dataKey), nonce: payload.nonce, ciphertext: payload.ciphertext,
            tag: payload.tag
        )
    }

    /// Convenience for plaintext held in an ordinary array.
    public func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws -> SealedKey {
        try seal(SensitiveBytes(plaintext), associatedData: associatedData)
    }

    /// Decrypts a sealed key.
    ///
    /// - Throws: ``CryptoError/decryptionFailed`` if it was sealed under another KEK, the associated
    ///   data differs, or anything was tampered with.
    public func open(_ sealed: SealedKey, associatedData: [UInt8]) throws -> SensitiveBytes {
        let dataKey = try unwrap(sealed)
        return try dataKey.withUnsafeBytes { keyBuffer in
            try AESGCM.open(
                key: keyBuffer, nonce: sealed.nonce, ciphertext: sealed.ciphertext, tag: sealed.tag,
                associatedData: associatedData
            )
        }
    }

    /// Re-wraps the data key of `sealed` (which must be under this KEK) under `newKEK`; the payload
    /// ciphertext is unchanged, so this is cheap and never exposes the plaintext.
    public func rewrap(_ sealed: SealedKey, to newKEK: KeyEncryptionKey) throws -> SealedKey {
        let dataKey = try unwrap(sealed)
        return SealedKey(
            kekID: newKEK.id, wrappedDataKey: try newKEK.wrap(dataKey), nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
            tag: sealed.tag
        )
    }

    public var description: String { "KeyEncryptionKey(id: \(id), <redacted>)" }

    /// The data key is bound to this KEK's id, so a wrapped key cannot be replayed under another id.
    private var wrappingAssociatedData: [UInt8] { Array("clm.dek.v1:\(id)".utf8) }

    /// nonce ‖ ciphertext ‖ tag of the data key under this KEK.
    private func wrap(_ dataKey: SensitiveBytes) throws -> [UInt8] {
        let sealed = try key.withUnsafeBytes { kek in
            try dataKey.withUnsafeBytes {
                try AESGCM.seal(key: kek, plaintext: $0, associatedData: wrappingAssociatedData)
            }
        }
        return sealed.nonce + sealed.ciphertext + sealed.tag
    }

    private func unwrap(_ sealed: SealedKey) throws -> SensitiveBytes {
        guard sealed.kekID == id else {
            throw CryptoError(.decryptionFailed, "sealed under key-encryption key \"\(sealed.kekID)\", not \"\(id)\"")
        }
        let wrapped = sealed.wrappedDataKey
        guard wrapped.count == AESGCM.nonceSize + AESGCM.keySize + AESGCM.tagSize else {
            throw CryptoError(.decryptionFailed, "wrapped data key has the wrong length")
        }
        let nonce = Array(wrapped[0..<AESGCM.nonceSize])
        let ciphertext = Array(wrapped[AESGCM.nonceSize..<(AESGCM.nonceSize + AESGCM.keySize)])
        let tag = Array(wrapped[(AESGCM.nonceSize + AESGCM.keySize)...])
        let dataKey = try key.withUnsafeBytes {
            try AESGCM.open(
                key: $0, nonce: nonce, ciphertext: ciphertext, tag: tag, associatedData: wrappingAssociatedData)
        }
        guard dataKey.count == AESGCM.keySize else {
            throw CryptoError(.decryptionFailed, "wrapped data key has the wrong length")
        }
        return dataKey
    }
}
