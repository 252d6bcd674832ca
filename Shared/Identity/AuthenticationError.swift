/// Why a bearer token was not accepted.
///
/// Compare errors by ``code`` (equality looks at the code only); ``reason`` is for humans and
/// logs. Neither ever contains token text, claim values taken from an unverified token, or key
/// material, so an error can be logged or returned to the caller as is.
public struct AuthenticationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public enum Code: String, Sendable {
        /// No bearer credentials were presented.
        case missing
        /// The token (or a key set) is not well-formed: segments, base64url, JSON, claim types, size.
        case malformed
        /// The header names an algorithm this verifier refuses (`none`, HS*, anything else), or
        /// one that does not match the selected key.
        case unsupportedAlgorithm = "unsupported-algorithm"
        /// No key in the identity provider's key set fits the token.
        case unknownKey = "unknown-key"
        /// The signature does not verify.
        case badSignature = "bad-signature"
        /// `exp` has passed (beyond the allowed clock skew).
        case expired
        /// `nbf` lies in the future (beyond the allowed clock skew).
        case notYetValid = "not-yet-valid"
        /// `iss` is not the configured issuer.
        case wrongIssuer = "wrong-issuer"
        /// `aud` does not contain the configured audience.
        case wrongAudience = "wrong-audience"
        /// A required claim (`exp`, `iss`, `aud`, `sub`) is absent or empty.
        case missingClaim = "missing-claim"
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation; never contains the token or key material.
    public var reason: String

    /// Creates an error with a code and a reason.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "AuthenticationError.\(code.rawValue): \(reason)" }

    public static func == (lhs: AuthenticationError, rhs: AuthenticationError) -> Bool {
        lhs.code == rhs.code
    }
}
