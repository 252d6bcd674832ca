import CLMContracts
import CLMCrypto
import Foundation

/// Verifies signed JWTs (JWS compact serialisation) against a key set and checks their claims.
///
/// In order: shape and size, header `alg` (ES256, ES384, EdDSA or RS256 only), key selection by
/// `kid`, `alg` equal to the key's algorithm, the signature, then the claims: `exp` (required),
/// `nbf` (if present), `iss`, `aud`, `sub` (required, non-empty), and the CLM role claims
/// `clm_roles` and `clm_realms`. Claims are read only after the signature has verified.
public struct TokenVerifier: Sendable {
    /// The required `iss`.
    public let issuer: String
    /// The audience that `aud` must contain.
    public let audience: String
    /// Tolerance for clocks that disagree, applied to `exp` and `nbf`.
    public let clockSkew: Duration

    public init(issuer: String, audience: String, clockSkew: Duration = .seconds(60)) {
        self.issuer = issuer
        self.audience = audience
        self.clockSkew = clockSkew
    }

    /// Verifies `token`'s signature with `keys` and its claims at `now`.
    ///
    /// - Throws: ``AuthenticationError`` naming the first check that failed.
    public func verify(_ token: String, keys: JSONWebKeySet, now: Date = Date()) throws -> Principal {
        let jws = try CompactJWS(token)
        let key = try Self.selectKey(for: jws, in: keys)
        guard key.algorithm == jws.algorithm else {
            throw AuthenticationError(
                .unsupportedAlgorithm,
                "token algorithm \(jws.algorithm.rawValue) does not match its key's \(key.algorithm.rawValue)")
        }
        try Self.checkSignature(jws, with: key)
        return try principal(fromClaims: jws.payload, now: now)
    }

    /// The token's `kid`, read without verifying anything (to pick or fetch keys); also refuses
    /// tokens that are malformed or name an unsupported algorithm before any key work.
    func keyID(of token: String) throws -> String? {
        try CompactJWS(token).keyID
    }

    // MARK: Keys and signature

    private static func selectKey(for jws: CompactJWS, in keys: JSONWebKeySet) throws(AuthenticationError) -> JSONWebKey
    {
        if let kid = jws.keyID {
            guard let key = keys.key(id: kid) else {
                throw AuthenticationError(
                    .unknownKey, "no key in the identity provider's key set has the token's \"kid\"")
            }
            return key
        }
        // Without a kid there is no safe way to choose among several keys.
        guard keys.keys.count == 1, let only = keys.keys.first else {
            throw AuthenticationError(
                .unknownKey,
                "token has no \"kid\" and the key set has \(keys.keys.count) keys; a kid is needed to choose")
        }
        return only
    }

    private static func checkSignature(_ jws: CompactJWS, with key: JSONWebKey) throws(AuthenticationError) {
        var signature = jws.signature
        if let integerLength = jws.algorithm.ecdsaIntegerLength {
            // JWS carries ECDSA as fixed-length r || s; OpenSSL wants DER. Any other length
            // (including a DER signature passed through) is refused.
            guard let der = ECDSASignature.der(fromRaw: signature, integerLength: integerLength) else {
                throw AuthenticationError(
                    .badSignature, "\(jws.algorithm.rawValue) signature must be \(2 * integerLength) bytes")
            }
            signature = der
        }
        guard key.publicKey.isValidSignature(signature, for: jws.signingInput, digest: jws.algorithm.digest) else {
            throw AuthenticationError(.badSignature, "token signature does not verify")
        }
    }

    // MARK: Claims

    private func principal(fromClaims payload: [UInt8], now: Date) throws(AuthenticationError) -> Principal {
        let document: JSONValue
        do {
            document = try JSONValue.parse(payload, maximumDepth: CompactJWS.maximumDepth)
        } catch {
            throw AuthenticationError(.malformed, "token claims are not valid JSON: \(error.reason)")
        }
        guard let claims = document.objectValue else {
            throw AuthenticationError(.malformed, "token claims are not a JSON object")
        }

        let skew = Self.seconds(clockSkew)
        let current = now.timeIntervalSince1970
        guard let expiry = try Self.numericDate(claims, "exp") else {
            throw AuthenticationError(.missingClaim, "token has no \"exp\"")
        }
        guard current <= expiry + skew else { throw AuthenticationError(.expired, "token has expired") }
        if let notBefore = try Self.numericDate(claims, "nbf") {
            guard current >= notBefore - skew else { throw AuthenticationError(.notYetValid, "token is not valid yet") }
        }
        _ = try Self.numericDate(claims, "iat")  // type-checked only

        guard let tokenIssuer = try Self.string(claims, "iss") else {
            throw AuthenticationError(.missingClaim, "token has no \"iss\"")
        }
        guard tokenIssuer == issuer else {
            throw AuthenticationError(.wrongIssuer, "token was issued by another issuer")
        }

        try checkAudience(claims["aud"])

        guard let subject = try Self.string(claims, "sub"), !subject.isEmpty else {
            throw AuthenticationError(.missingClaim, "token has no (or an empty) \"sub\"")
        }

        let (platformRoles, realmRoles) = try Self.roles(claims)
        return Principal(
            subject: subject, issuer: tokenIssuer, platformRoles: platformRoles, realmRoles: realmRoles,
            expiresAt: Date(timeIntervalSince1970: expiry))
    }

    /// `aud` must be, or contain, this service's audience.
    private func checkAudience(_ claim: JSONValue?) throws(AuthenticationError) {
        switch claim {
        case nil:
            throw AuthenticationError(.missingClaim, "token has no \"aud\"")
        case .string(let value):
            guard value == audience else {
                throw AuthenticationError(.wrongAudience, "token is meant for another audience")
            }
        case .array(let values):
            guard values.allSatisfy({ $0.stringValue != nil }) else {
                throw AuthenticationError(.malformed, "token \"aud\" is not a string or an array of strings")
            }
            guard values.contains(.string(audience)) else {
                throw AuthenticationError(.wrongAudience, "token is meant for other audiences")
            }
        default:
            throw AuthenticationError(.malformed, "token \"aud\" is not a string or an array of strings")
        }
    }

    /// The platform roles (`clm_roles`) and realm roles (`clm_realms`) a token grants.
    private static func roles(_ claims: [String: JSONValue]) throws(AuthenticationError)
        -> (Set<String>, [String: Set<String>])
    {
        var platformRoles: Set<String> = []
        if let value = claims["clm_roles"] {
            platformRoles = try stringSet(value, claim: "clm_roles")
        }
        var realmRoles: [String: Set<String>] = [:]
        if let value = claims["clm_realms"] {
            guard let realms = value.objectValue else {
                throw AuthenticationError(.malformed, "token \"clm_realms\" is not an object of role arrays")
            }
            for (realm, roles) in realms {
                realmRoles[realm] = try stringSet(roles, claim: "clm_realms")
            }
        }
        return (platformRoles, realmRoles)
    }

    private static func numericDate(_ claims: [String: JSONValue], _ name: String) throws(AuthenticationError)
        -> Double?
    {
        guard let value = claims[name] else { return nil }
        guard let number = value.numberValue else {
            throw AuthenticationError(.malformed, "token \"\(name)\" is not a number")
        }
        return number
    }

    private static func string(_ claims: [String: JSONValue], _ name: String) throws(AuthenticationError) -> String? {
        guard let value = claims[name] else { return nil }
        guard let text = value.stringValue else {
            throw AuthenticationError(.malformed, "token \"\(name)\" is not a string")
        }
        return text
    }

    private static func stringSet(_ value: JSONValue, claim: String) throws(AuthenticationError) -> Set<String> {
        guard let elements = value.arrayValue else {
            throw AuthenticationError(.malformed, "token \"\(claim)\" roles are not an array")
        }
        var roles: Set<String> = []
        for element in elements {
            guard let role = element.stringValue else {
                throw AuthenticationError(.malformed, "token \"\(claim)\" roles are not strings")
            }
            roles.insert(role)
        }
        return roles
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
