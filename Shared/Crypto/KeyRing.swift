/// The key-encryption keys a service holds: the current one, which seals everything new, and
/// previous ones, kept only to open what was sealed before a rotation until it is re-wrapped.
public struct KeyRing: Sendable {
    public let current: KeyEncryptionKey
    private let previous: [String: KeyEncryptionKey]

    public init(current: KeyEncryptionKey, previous: [KeyEncryptionKey] = []) throws {
        var byID: [String: KeyEncryptionKey] = [:]
        for key in previous {
            guard key.id != current.id, byID[key.id] == nil else {
                throw CryptoError(.malformedInput, "key-encryption key id \"\(key.id)\" is configured twice")
            }
            byID[key.id] = key
        }
        self.current = current
        self.previous = byID
    }

    /// Ids of the keys that are still accepted for opening but should no longer be in use.
    public var retiredIDs: [String] { previous.keys.sorted() }

    /// Seals under the current key.
    public func seal(_ plaintext: SensitiveBytes, associatedData: [UInt8]) throws -> SealedKey {
        try current.seal(plaintext, associatedData: associatedData)
    }

    /// Opens a box sealed under the current or any previous key.
    public func open(_ sealed: SealedKey, associatedData: [UInt8]) throws -> SensitiveBytes {
        try key(for: sealed).open(sealed, associatedData: associatedData)
    }

    /// Re-wraps a box's data key under the current key; the payload is untouched. Boxes already
    /// under the current key are returned as they are.
    public func rewrap(_ sealed: SealedKey) throws -> SealedKey {
        guard sealed.kekID != current.id else { return sealed }
        return try key(for: sealed).rewrap(sealed, to: current)
    }

    private func key(for sealed: SealedKey) throws -> KeyEncryptionKey {
        if sealed.kekID == current.id { return current }
        guard let key = previous[sealed.kekID] else {
            throw CryptoError(
                .decryptionFailed,
                "sealed under key-encryption key \"\(sealed.kekID)\", which is not configured (CLM_KEK / CLM_KEK_PREVIOUS)"
            )
        }
        return key
    }
}
