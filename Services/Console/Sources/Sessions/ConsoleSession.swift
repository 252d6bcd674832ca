import CLMIdentity
import Foundation

/// A signed-in person: who they are, the bearer token the API receives for them, and until
/// when. Lives only in the console's memory; the browser holds an opaque random id.
struct ConsoleSession: Sendable {
    enum Method: String, Sendable, Codable {
        case oidc
        case development
    }

    var id: String
    var principal: Principal
    /// Sent as `Authorization: Bearer` on the person's API calls; never sent to the browser.
    var bearer: String
    /// For the identity provider's end-session endpoint (`id_token_hint`).
    var idToken: String?
    var method: Method
    var createdAt: Date
    /// The earlier of the token's expiry and the console's session lifetime.
    var expiresAt: Date

    func isExpired(at now: Date) -> Bool { now >= expiresAt }
}

/// A sign-in that went to the identity provider and has not come back yet: what the
/// callback must match (state, nonce) and prove (the PKCE verifier).
struct PendingSignIn: Sendable {
    var state: String
    var nonce: String
    var codeVerifier: String
    /// The console route to show after sign-in (a `#/…` fragment, checked).
    var returnTo: String
    var createdAt: Date
}
