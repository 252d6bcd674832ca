import CLMIdentity

extension ServiceConfiguration.AuthenticationSettings {
    /// The bearer-token check these settings describe (one key-set cache per call: share it).
    public func makeAuthenticator() -> BearerAuthenticator {
        BearerAuthenticator(
            verifier: TokenVerifier(issuer: issuer, audience: audience, clockSkew: clockSkew),
            keys: KeySetCache(url: jwksURL))
    }
}
