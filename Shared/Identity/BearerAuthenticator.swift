import Foundation

/// Bearer-token authentication (RFC 6750) in one call: reads the `Authorization` header, gets
/// the identity provider's keys (refreshing them when the token names an unknown key) and
/// verifies the token.
public struct BearerAuthenticator: Sendable {
    public let verifier: TokenVerifier
    public let keys: KeySetCache

    public init(verifier: TokenVerifier, keys: KeySetCache) {
        self.verifier = verifier
        self.keys = keys
    }

    /// Authenticates the value of an `Authorization` header (`Bearer <jwt>`).
    ///
    /// - Throws: ``AuthenticationError`` (``AuthenticationError/Code/missing`` when there is no
    ///   header or it carries another scheme), or ``KeySetLoadError`` when no keys could be
    ///   loaded at all.
    public func authenticate(authorizationHeader: String?, now: Date = Date()) async throws -> Principal {
        let token = try Self.bearerToken(from: authorizationHeader)
        // The header is read (unverified) only to choose keys; a malformed token or a refused
        // algorithm fails here, before it can cause a key set fetch.
        let keyID = try verifier.keyID(of: token)
        let keySet = try await keys.keys(forKeyID: keyID)
        return try verifier.verify(token, keys: keySet, now: now)
    }

    /// The token from `Bearer <token>`; the scheme is case-insensitive (RFC 7235 §2.1).
    static func bearerToken(from header: String?) throws(AuthenticationError) -> String {
        let value = (header ?? "").trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw AuthenticationError(.missing, "no Authorization header") }
        let scheme = value.prefix(while: { $0 != " " && $0 != "\t" })
        guard scheme.lowercased() == "bearer" else {
            throw AuthenticationError(.missing, "Authorization header does not carry a Bearer token")
        }
        let token = value.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw AuthenticationError(.malformed, "Bearer credentials are empty") }
        guard !token.contains(where: { $0.isWhitespace }) else {
            throw AuthenticationError(.malformed, "Bearer credentials contain whitespace")
        }
        return token
    }
}
