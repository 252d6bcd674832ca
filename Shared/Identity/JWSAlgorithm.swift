import CLMCrypto

/// The JWS signature algorithms (RFC 7518) CLM accepts.
///
/// Deliberately asymmetric only: `none` and HMAC (`HS*`) are never accepted, so a public key
/// can never be mistaken for a shared secret.
public enum JWSAlgorithm: String, Sendable, CaseIterable {
    /// ECDSA on P-256 with SHA-256.
    case es256 = "ES256"
    /// ECDSA on P-384 with SHA-384.
    case es384 = "ES384"
    /// Ed25519 (RFC 8037).
    case edDSA = "EdDSA"
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = "RS256"

    /// The algorithm a key must be used with, or `nil` if the key fits none of ours
    /// (P-521, Ed448).
    public init?(key: PublicKeyInfo) {
        switch key.spec {
        case .ec(curve: .p256): self = .es256
        case .ec(curve: .p384): self = .es384
        case .ed25519: self = .edDSA
        case .rsa: self = .rs256
        case .ec(curve: .p521), .ed448: return nil
        }
    }

    /// The digest for ``PrivateKey/sign(_:digest:)``; EdDSA takes none.
    var digest: SignatureDigest? {
        switch self {
        case .es256, .rs256: .sha256
        case .es384: .sha384
        case .edDSA: nil
        }
    }

    /// The length of one ECDSA integer in a JWS signature (which is `r || s`, RFC 7518 §3.4).
    var ecdsaIntegerLength: Int? {
        switch self {
        case .es256: 32
        case .es384: 48
        case .edDSA, .rs256: nil
        }
    }
}
