import CLMContracts
import CLMCrypto
import COpenSSL

/// One public signing key from a JWKS (RFC 7517): EC P-256 (ES256), EC P-384 (ES384),
/// OKP Ed25519 (EdDSA) or RSA ≥ 2048 bits (RS256).
///
/// The algorithm is fixed by the key type, so a token can never choose how its key is used:
/// a token's `alg` must equal ``algorithm``.
public struct JSONWebKey: Sendable {
    /// The key id (`kid`); the RFC 7638 thumbprint when the key set gives none.
    public let keyID: String
    /// The one algorithm this key verifies.
    public let algorithm: JWSAlgorithm
    /// The validated public key.
    public let publicKey: PublicKeyInfo
    /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
    public let thumbprint: String
    /// The canonical public members (`kty`, `crv`, `x`, `y`, `n`, `e`).
    let members: [String: JSONValue]

    /// A JWK for a local public key, e.g. to publish a signing key.
    ///
    /// - Parameter keyID: the `kid`; `nil` uses the RFC 7638 thumbprint.
    /// - Throws: ``AuthenticationError/Code/unsupportedAlgorithm`` for P-521 and Ed448 keys.
    public init(publicKey: PublicKeyInfo, keyID: String? = nil) throws {
        guard let algorithm = JWSAlgorithm(key: publicKey) else {
            throw AuthenticationError(.unsupportedAlgorithm, "\(publicKey.spec) keys have no JWS algorithm CLM accepts")
        }
        let members = try JWKKeyMaterial.members(of: publicKey)
        self.init(publicKey: publicKey, algorithm: algorithm, members: members, keyID: keyID)
    }

    private init(publicKey: PublicKeyInfo, algorithm: JWSAlgorithm, members: [String: JSONValue], keyID: String?) {
        self.publicKey = publicKey
        self.algorithm = algorithm
        self.members = members
        // RFC 7638: the required members only, sorted, no whitespace — what `serialized` writes.
        let thumbprint = JOSEBase64URL.encode(Digest.sha256(JSONValue.object(members).serialized))
        self.thumbprint = thumbprint
        self.keyID = keyID ?? thumbprint
    }

    /// The JWK as a JSON object: public members plus `kid`, `alg` and `use: sig`.
    public var json: [UInt8] { jsonValue.serialized }

    var jsonValue: JSONValue {
        var object = members
        object["kid"] = .string(keyID)
        object["alg"] = .string(algorithm.rawValue)
        object["use"] = .string("sig")
        return .object(object)
    }

    /// Parses one member of a key set's `keys` array.
    ///
    /// Returns `nil` for a key that is not meant for verifying our tokens: `use` other than
    /// `sig`, `key_ops` without `verify`, or an `alg` outside ``JWSAlgorithm``. Identity
    /// providers publish such keys (encryption keys, other algorithms) next to their signing
    /// keys, and skipping them only narrows what is trusted. Every other key must be complete
    /// and acceptable, or the whole set is refused.
    static func parse(_ object: [String: JSONValue]) throws(AuthenticationError) -> JSONWebKey? {
        if let use = object["use"] {
            guard let use = use.stringValue else { throw malformed("\"use\" is not a string") }
            if use != "sig" { return nil }
        }
        if let operations = object["key_ops"] {
            guard let list = operations.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw malformed("\"key_ops\" is not an array of strings")
            }
            if !list.contains(.string("verify")) { return nil }
        }
        var declared: JWSAlgorithm? = nil
        if let alg = object["alg"] {
            guard let name = alg.stringValue else { throw malformed("\"alg\" is not a string") }
            guard let algorithm = JWSAlgorithm(rawValue: name) else { return nil }
            declared = algorithm
        }
        var keyID: String? = nil
        if let kid = object["kid"] {
            guard let kid = kid.stringValue else { throw malformed("\"kid\" is not a string") }
            keyID = kid
        }
        guard let kty = object["kty"]?.stringValue else { throw malformed("a key has no \"kty\"") }

        let publicKey: PublicKeyInfo
        switch kty {
        case "EC":
            let curve: ECCurve
            switch object["crv"]?.stringValue {
            case "P-256": curve = .p256
            case "P-384": curve = .p384
            case nil: throw malformed("an EC key has no \"crv\"")
            default: throw AuthenticationError(.unsupportedAlgorithm, "key set: EC keys must use P-256 or P-384")
            }
            publicKey = try JWKKeyMaterial.ecKey(curve: curve, x: try bytes(object, "x"), y: try bytes(object, "y"))
        case "RSA":
            publicKey = try JWKKeyMaterial.rsaKey(modulus: try bytes(object, "n"), exponent: try bytes(object, "e"))
        case "OKP":
            switch object["crv"]?.stringValue {
            case "Ed25519": break
            case nil: throw malformed("an OKP key has no \"crv\"")
            default: throw AuthenticationError(.unsupportedAlgorithm, "key set: OKP keys must use Ed25519")
            }
            publicKey = try JWKKeyMaterial.ed25519Key(try bytes(object, "x"))
        default:
            throw AuthenticationError(.unsupportedAlgorithm, "key set: key type is not EC, RSA or OKP")
        }
        guard let algorithm = JWSAlgorithm(key: publicKey) else {
            throw AuthenticationError(.unsupportedAlgorithm, "key set: key has no JWS algorithm CLM accepts")
        }
        if let declared, declared != algorithm {
            throw malformed("a key declares \"alg\" \(declared.rawValue) but its type calls for \(algorithm.rawValue)")
        }
        let members = try JWKKeyMaterial.members(of: publicKey)
        return JSONWebKey(publicKey: publicKey, algorithm: algorithm, members: members, keyID: keyID)
    }

    private static func bytes(_ object: [String: JSONValue], _ name: String) throws(AuthenticationError) -> [UInt8] {
        guard let text = object[name]?.stringValue else { throw malformed("a key has no \"\(name)\"") }
        guard let bytes = JOSEBase64URL.decode(text), !bytes.isEmpty else {
            throw malformed("a key's \"\(name)\" is not base64url")
        }
        return bytes
    }

    private static func malformed(_ reason: String) -> AuthenticationError {
        AuthenticationError(.malformed, "key set: \(reason)")
    }
}
