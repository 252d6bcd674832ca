import CLMIdentity

extension ServiceConfiguration.AuthenticationSettings {
    /// The bearer-token check these settings describe; each call makes a new key-set cache, so a
    /// service makes one (`ServiceContext.authenticator`) and shares it.
    public func makeAuthenticator() -> BearerAuthenticator {
        BearerAuthenticator(
            verifier: TokenVerifier(issuer: issuer, audience: audience, clockSkew: clockSkew),
            keys: KeySetCache(
                url: jwksURL, fetch: discoveryIssuer.map { OpenIDDiscovery.keySetFetch(issuer: $0) }))
    }
}
