import CLMContracts
import CLMCrypto

/// Signs JWTs (JWS compact serialisation) with a private key.
///
/// Used by ``DevelopmentIdentityProvider`` and by tests, which need to forge tokens: the header
/// and claims can be anything, including headers a verifier must refuse.
public struct TokenSigner: Sendable {
    /// The signing key.
    public let privateKey: PrivateKey
    /// The algorithm written to `alg` and used to sign; must fit the key's type.
    public let algorithm: JWSAlgorithm
    /// The `kid` written to the header, if any.
    public let keyID: String?

    public init(privateKey: PrivateKey, algorithm: JWSAlgorithm, keyID: String?) {
        self.privateKey = privateKey
        self.algorithm = algorithm
        self.keyID = keyID
    }

    /// Signs `claims` under the header `{"alg", "typ": "JWT", "kid"}` with `extra` members merged
    /// over it (so `extra` can replace `alg` to forge a token).
    ///
    /// Values may be `String`, `Bool`, integers, `Double`, `Date` (as NumericDate), arrays,
    /// `Set<String>`, `[String: Any]` and `NSNull`.
    ///
    /// - Throws: ``CryptoError`` if the key does not fit ``algorithm`` or a value cannot be
    ///   written as JSON.
    public func sign(header extra: [String: Any]? = nil, claims: [String: Any]) throws -> String {
        var header: [String: Any] = ["alg": algorithm.rawValue, "typ": "JWT"]
        if let keyID { header["kid"] = keyID }
        for (name, value) in extra ?? [:] { header[name] = value }
        return try sign(headerJSON: Self.json(header), claimsJSON: Self.json(claims))
    }

    /// Signs exactly the given header and claims bytes, which need not be valid JSON.
    public func sign(headerJSON: [UInt8], claimsJSON: [UInt8]) throws -> String {
        guard JWSAlgorithm(key: privateKey.publicKey) == algorithm else {
            throw CryptoError(.keyMismatch, "a \(privateKey.publicKey.spec) key cannot sign \(algorithm.rawValue)")
        }
        let input = Self.signingInput(headerJSON: headerJSON, claimsJSON: claimsJSON)
        var signature = try privateKey.sign(input, digest: algorithm.digest)
        if let integerLength = algorithm.ecdsaIntegerLength {
            guard let raw = ECDSASignature.raw(fromDER: signature, integerLength: integerLength) else {
                throw CryptoError(.internalError, "ECDSA signature could not be converted to JWS form")
            }
            signature = raw
        }
        return Self.compact(headerJSON: headerJSON, claimsJSON: claimsJSON, signature: signature)
    }

    /// Assembles `BASE64URL(header).BASE64URL(claims).BASE64URL(signature)` with no signing,
    /// e.g. for tokens signed elsewhere or unsigned (`alg: none`) test tokens.
    public static func compact(headerJSON: [UInt8], claimsJSON: [UInt8], signature: [UInt8]) -> String {
        String(decoding: signingInput(headerJSON: headerJSON, claimsJSON: claimsJSON), as: UTF8.self)
            + "." + JOSEBase64URL.encode(signature)
    }

    /// The bytes a JWS signature covers: `BASE64URL(header) || "." || BASE64URL(claims)`.
    public static func signingInput(headerJSON: [UInt8], claimsJSON: [UInt8]) -> [UInt8] {
        Array((JOSEBase64URL.encode(headerJSON) + "." + JOSEBase64URL.encode(claimsJSON)).utf8)
    }

    private static func json(_ object: [String: Any]) throws -> [UInt8] {
        do {
            return try JSONValue(any: object).serialized
        } catch {
            throw CryptoError(.malformedInput, error.reason)
        }
    }
}
