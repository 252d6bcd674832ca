/// An envelope-encrypted secret, as stored by the keygen service.
///
/// Store it either as its separate fields (`Codable`; byte fields encode as base64 in JSON) or as
/// one `bytea` column via ``combinedBytes`` / ``init(combinedBytes:)``. Nothing in it is secret
/// on its own: the data key is wrapped under the KEK named by ``kekID``.
public struct SealedKey: Sendable, Hashable, Codable {
    /// The id of the key-encryption key that wraps ``wrappedDataKey``.
    public let kekID: String
    /// The data key under the KEK: 12-byte nonce ‖ 32-byte ciphertext ‖ 16-byte tag.
    public let wrappedDataKey: [UInt8]
    /// The payload nonce (12 bytes).
    public let nonce: [UInt8]
    /// The payload ciphertext (same length as the plaintext).
    public let ciphertext: [UInt8]
    /// The payload authentication tag (16 bytes).
    public let tag: [UInt8]

    public init(kekID: String, wrappedDataKey: [UInt8], nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        self.kekID = kekID
        self.wrappedDataKey = wrappedDataKey
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    private enum CodingKeys: String, CodingKey {
        case kekID, wrappedDataKey, nonce, ciphertext, tag
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func bytes(_ key: CodingKeys) throws -> [UInt8] {
            guard let value = Base64.decode(try container.decode(String.self, forKey: key)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not valid base64")
            }
            return value
        }
        self.kekID = try container.decode(String.self, forKey: .kekID)
        self.wrappedDataKey = try bytes(.wrappedDataKey)
        self.nonce = try bytes(.nonce)
        self.ciphertext = try bytes(.ciphertext)
        self.tag = try bytes(.tag)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kekID, forKey: .kekID)
        try container.encode(Base64.encode(wrappedDataKey), forKey: .wrappedDataKey)
        try container.encode(Base64.encode(nonce), forKey: .nonce)
        try container.encode(Base64.encode(ciphertext), forKey: .ciphertext)
        try container.encode(Base64.encode(tag), forKey: .tag)
    }

    private static let formatVersion: UInt8 = 1
    private static let wrappedSize = 12 + 32 + 16

    /// One self-describing byte string: version (1) ‖ id length (1) ‖ id (UTF-8) ‖ wrapped data key (60)
    /// ‖ nonce (12) ‖ tag (16) ‖ ciphertext.
    public var combinedBytes: [UInt8] {
        let idBytes = Array(kekID.utf8)
        return [Self.formatVersion, UInt8(idBytes.count)] + idBytes + wrappedDataKey + nonce + tag + ciphertext
    }

    /// Parses ``combinedBytes``.
    ///
    /// - Throws: ``CryptoError/malformedInput`` if the layout or version is wrong.
    public init(combinedBytes bytes: [UInt8]) throws {
        guard bytes.count >= 2, bytes[0] == Self.formatVersion else {
            throw CryptoError(.malformedInput, "sealed key has an unknown format version")
        }
        let idLength = Int(bytes[1])
        let headerEnd = 2 + idLength
        guard idLength > 0, bytes.count >= headerEnd + Self.wrappedSize + 12 + 16 else {
            throw CryptoError(.malformedInput, "sealed key is truncated")
        }
        var cursor = headerEnd
        func take(_ count: Int) -> [UInt8] {
            defer { cursor += count }
            return Array(bytes[cursor..<(cursor + count)])
        }
        self.kekID = String(decoding: bytes[2..<headerEnd], as: UTF8.self)
        self.wrappedDataKey = take(Self.wrappedSize)
        self.nonce = take(12)
        self.tag = take(16)
        self.ciphertext = Array(bytes[cursor...])
    }
}
