import CLMCrypto

/// The secret of a verification link: 256 random bits, base64url (43 characters).
///
/// It exists only in the mail; the database keeps its SHA-256 and a link is looked up by
/// that hash, so neither a database reader nor response timing reveals a valid token.
struct VerificationToken: Sendable {
    let text: String

    static func random() -> VerificationToken { VerificationToken(text: SecureRandom.token(bytes: 32)) }

    var hash: [UInt8] { Digest.sha256(Array(text.utf8)) }

    /// The hash of a token as a link carries it; nil when it cannot be a token at all.
    static func hash(ofLink text: String) -> [UInt8]? {
        guard text.utf8.count == 43, text.utf8.allSatisfy(isBase64URL) else { return nil }
        return Digest.sha256(Array(text.utf8))
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D || byte == 0x5F
    }
}
